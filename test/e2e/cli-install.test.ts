// `cngctl` installed as the README says (`npm ci && npm run build && npm install -g .`; the e2e tier has built dist/):
// a global install of the checkout into a scratch prefix, `--offline` (a folder install links the checkout and its
// node_modules, so nothing is downloaded), then run from that prefix's bin/: its version, a render of the seed
// example, and a completion script. And what `npm pack` would ship: the compiled program only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@starrocks-cn-operator/testbed/helpers';

const run = promisify(execFile);

describe('cngctl installed from a checkout', () => {
  let scratch: string;
  let cngctl: string;
  let packed: string[];

  before(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'cngctl-install-'));
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json'], {
      cwd: REPO_ROOT,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [result] = JSON.parse(stdout) as { files: { path: string }[] }[];
    assert.ok(result !== undefined, 'npm pack lists a package');
    packed = result.files.map((file) => file.path);
    const prefix = path.join(scratch, 'prefix');
    await run('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', REPO_ROOT], {
      cwd: scratch,
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    cngctl = path.join(prefix, 'bin', 'cngctl');
  });

  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('packs the compiled program and nothing of the sources, tests or caches', () => {
    assert.ok(packed.includes('dist/cli/main.js'), 'the entry point');
    const stray = packed.filter(
      (file) => !file.startsWith('dist/') && !/^(package\.json|README\.md|LICENSE)$/.test(file),
    );
    assert.deepEqual(stray, []);
  });

  it('runs from the prefix: version, render of the seed example, completion', async () => {
    const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const env = { PATH: process.env['PATH'], HOME: scratch };
    const version = await run(cngctl, ['--version'], { env, timeout: 30_000 });
    assert.equal(version.stdout.trim(), manifest.version);

    const examples = path.join(REPO_ROOT, 'examples', 'cn');
    const rendered = await run(
      cngctl,
      ['render', '-f', path.join(examples, 'cn.yaml'), '--config', path.join(examples, 'cn-config.yaml')],
      { env, timeout: 30_000 },
    );
    assert.match(rendered.stdout, /^kind: StatefulSet$/m);

    const completion = await run(cngctl, ['completion', 'bash'], { env, timeout: 30_000 });
    assert.match(completion.stdout, /^complete -o filenames -F _cngctl cngctl$/m);
  });
});
