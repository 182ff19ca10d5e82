// testbed/versions.env is read twice, by hack/lib.sh for the shell scripts and by versions.ts for the TypeScript:
// both must see the same versions and the same cache folder.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../helpers/repo.js';
import { cacheRoot, parseEnvFile, parseVersions, VERSIONS } from '../../versions.js';

const run = promisify(execFile);

/** What hack/lib.sh sets, in a shell whose environment names none of the versions. */
async function shellView(env: Record<string, string>): Promise<Record<string, string>> {
  const names = [...Object.keys(VERSIONS), 'CACHE_ROOT'].join(' ');
  const script = `. hack/lib.sh; for name in ${names}; do printf '%s=%s\\n' "$name" "\${!name}"; done`;
  const { stdout } = await run('bash', ['-c', script], { cwd: REPO_ROOT, env: { PATH: process.env['PATH'], ...env } });
  return parseEnvFile(stdout);
}

describe('versions.env', () => {
  it('reads KEY=value lines and skips blank lines and comments', () => {
    assert.deepEqual(parseEnvFile('# pinned\n\nA=1\n  B_2=v0.3.0  \n'), { A: '1', B_2: 'v0.3.0' });
  });

  it('refuses a line that is not KEY=value, naming it', () => {
    assert.throws(() => parseEnvFile('A=1\nexport B=2\n'), /line 2: not a KEY=value line: export B=2/);
    assert.throws(() => parseEnvFile('A="1 2"\n'), /line 1/);
  });

  it('names a missing version', () => {
    assert.throws(() => parseVersions('KUBE_VERSION=1.36.3\n'), /ETCD_VERSION/);
  });

  it('puts the cache folder under XDG_CACHE_HOME, else ~/.cache', () => {
    assert.equal(cacheRoot({ XDG_CACHE_HOME: '/c' }, '/home/u'), `/c/${VERSIONS.CACHE_DIR_NAME}`);
    assert.equal(cacheRoot({ XDG_CACHE_HOME: '' }, '/home/u'), `/home/u/.cache/${VERSIONS.CACHE_DIR_NAME}`);
    assert.equal(cacheRoot({}, '/home/u'), `/home/u/.cache/${VERSIONS.CACHE_DIR_NAME}`);
  });

  it('gives hack/lib.sh the same versions and cache folder as the TypeScript', async () => {
    const environments: Record<string, string>[] = [{ HOME: '/home/u' }, { HOME: '/home/u', XDG_CACHE_HOME: '/c' }];
    for (const env of environments) {
      assert.deepEqual(await shellView(env), { ...VERSIONS, CACHE_ROOT: cacheRoot(env, '/home/u') });
    }
  });

  it('lets the environment override a version in the shell scripts', async () => {
    const shell = await shellView({ HOME: '/home/u', KUBE_VERSION: '9.9.9' });
    assert.equal(shell['KUBE_VERSION'], '9.9.9');
    assert.equal(shell['ETCD_VERSION'], VERSIONS.ETCD_VERSION);
  });
});
