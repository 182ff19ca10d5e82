// The operator test image and the Dockerfile lay out /app with the same script; these checks keep it that way.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '@starrocks-cn-operator/testbed/helpers';
import { APP_DIR_IN_IMAGE, LAYOUT_APP_SCRIPT } from '@starrocks-cn-operator/testbed/images';
import { IMAGE_ENTRYPOINT } from '../../../src/builders/settings.js';

const repo = (...parts: string[]) => path.join(REPO_ROOT, ...parts);

describe('Dockerfile and test image share the app layout', () => {
  const dockerfile = readFileSync(repo('Dockerfile'), 'utf8');

  it('the layout script exists and is executable', () => {
    assert.ok(existsSync(repo(LAYOUT_APP_SCRIPT)));
    assert.ok((statSync(repo(LAYOUT_APP_SCRIPT)).mode & 0o111) !== 0);
  });

  it('the build stage copies and runs the layout script into /app', () => {
    assert.match(dockerfile, new RegExp(`^COPY ${LAYOUT_APP_SCRIPT} `, 'm'));
    assert.match(dockerfile, new RegExp(`^RUN .*bash ${LAYOUT_APP_SCRIPT} /src ${APP_DIR_IN_IMAGE}\\b`, 'm'));
  });

  it('the build stage has what `npm run build` reads: the bundler script and the package manifest', () => {
    const build = JSON.parse(readFileSync(repo('package.json'), 'utf8')) as unknown;
    assert.ok(typeof build === 'object' && build !== null && 'scripts' in build);
    assert.match(JSON.stringify(build.scripts), /hack\/bundle\.ts/);
    assert.match(dockerfile, /^COPY hack\/bundle\.ts /m);
    assert.match(dockerfile, /^RUN npm run build\b/m);
  });

  it('the final stage takes /app as the script laid it out, nothing else from the build', () => {
    const copies = dockerfile.split('\n').filter((line) => line.startsWith('COPY --from=build'));
    assert.deepEqual(copies, [`COPY --from=build ${APP_DIR_IN_IMAGE} ${APP_DIR_IN_IMAGE}`]);
  });

  it("the entry point is the one the code and the test image use (the manager's V8 settings included)", () => {
    const line = dockerfile.split('\n').find((candidate) => candidate.startsWith('ENTRYPOINT '));
    assert.ok(line !== undefined, 'the Dockerfile has an ENTRYPOINT');
    assert.deepEqual(JSON.parse(line.slice('ENTRYPOINT '.length)), [...IMAGE_ENTRYPOINT]);
  });

  it('the build context does not leave the script out', () => {
    const ignored = readFileSync(repo('.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    assert.ok(!ignored.includes('hack') && !ignored.includes('hack/') && !ignored.includes('hack/image'));
  });
});
