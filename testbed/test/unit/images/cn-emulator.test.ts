import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEmulatorConf } from '../../../cn-emulator/conf.js';
import { parseFragmentMs } from '../../../cn-emulator/process.js';
import { DEFAULT_CN_CONF } from '../../../images/cn-scripts.js';
import { parseCandidateVersion } from '../../../images/debs.js';
import { cacheFileName, defaultImageCacheDir } from '../../../images/cache.js';

function conf(text: string) {
  const result = parseEmulatorConf(text);
  if (!result.ok) assert.fail(`expected ok, got ${JSON.stringify(result.errors)}`);
  return result.value;
}

describe('parseEmulatorConf', () => {
  it('defaults: the CN ports and a 20 s graceful bound (2 loops of 10 s)', () => {
    assert.deepEqual(conf(''), {
      ports: { heartbeatServicePort: 9050, bePort: 9060, httpPort: 8040, brpcPort: 8060, starletPort: 9070 },
      gracefulExitMs: 20_000,
    });
  });

  it('reads both key generations and comments', () => {
    const value = conf(
      '# ports\nheartbeat_service_port = 19050\nthrift_port = 19060 # old name\nwebserver_port=18040\nbrpc_port = 18060\n',
    );
    assert.deepEqual(value.ports, {
      heartbeatServicePort: 19050,
      bePort: 19060,
      httpPort: 18040,
      brpcPort: 18060,
      starletPort: 9070,
    });
  });

  it('takes the bound from loop_count_wait_fragments_finish, or emulator_graceful_exit_seconds over it', () => {
    assert.equal(conf('loop_count_wait_fragments_finish = 0').gracefulExitMs, 0);
    assert.equal(conf('loop_count_wait_fragments_finish = 3').gracefulExitMs, 30_000);
    assert.equal(
      conf('loop_count_wait_fragments_finish = 3\nemulator_graceful_exit_seconds = 2').gracefulExitMs,
      2_000,
    );
  });

  it('refuses bad numbers and bad ports with the reason', () => {
    const bad = parseEmulatorConf('emulator_graceful_exit_seconds = soon\nbe_port = 99999\n');
    assert.equal(bad.ok, false);
    assert.equal(bad.errors.length, 2);
    assert.match(bad.errors.join('\n'), /emulator_graceful_exit_seconds must be a whole number/);
    assert.match(bad.errors.join('\n'), /be_port must be a port number/);
  });

  it("the image's default cn.conf is the documented defaults", () => {
    assert.deepEqual(conf(DEFAULT_CN_CONF), conf(''));
  });
});

describe('parseFragmentMs', () => {
  const ms = (query: string) => parseFragmentMs(new URL(`http://cn/test/fragments${query}`));
  it('accepts whole milliseconds up to an hour', () => {
    assert.equal(ms('?ms=0'), 0);
    assert.equal(ms('?ms=1500'), 1500);
    assert.equal(ms('?ms=3600000'), 3_600_000);
  });
  it('refuses the rest', () => {
    for (const query of ['', '?ms=', '?ms=-1', '?ms=1.5', '?ms=3600001', '?ms=abc']) assert.equal(ms(query), undefined);
  });
});

describe('download cache', () => {
  it('lives under XDG_CACHE_HOME, else ~/.cache', () => {
    assert.equal(defaultImageCacheDir({ XDG_CACHE_HOME: '/c' }, '/home/u'), '/c/starrocks-cn-operator/images');
    assert.equal(defaultImageCacheDir({}, '/home/u'), '/home/u/.cache/starrocks-cn-operator/images');
  });
  it('keys files by version, Debian epochs included', () => {
    assert.equal(
      cacheFileName('busybox-static', '1:1.35.0-4+deb12u1+b1', 'deb'),
      'busybox-static_1_1.35.0-4+deb12u1+b1.deb',
    );
  });
  it('reads the candidate version from apt-cache show', () => {
    assert.equal(parseCandidateVersion('Package: libc6\nVersion: 2.36-9+deb12u14\nDepends: x\n'), '2.36-9+deb12u14');
    assert.equal(parseCandidateVersion('Package: libc6\n'), undefined);
  });
});
