import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CN_2022_IMAGE,
  CN_2022_IMAGE_REF,
  CN_EMULATOR_IMAGE,
  CN_EMULATOR_IMAGE_REF,
  OPERATOR_IMAGE,
  OPERATOR_IMAGE_REF,
  PAUSE_IMAGE_REF,
  normalizeImageRef,
} from '../../../images/refs.js';
import { archiveFileName } from '../../../images/build.js';

describe('normalizeImageRef', () => {
  it('normalizes like containerd: docker.io, library/ and :latest', () => {
    assert.equal(normalizeImageRef('busybox'), 'docker.io/library/busybox:latest');
    assert.equal(normalizeImageRef('starrocks/cn-ubuntu:3.4.5'), 'docker.io/starrocks/cn-ubuntu:3.4.5');
    assert.equal(normalizeImageRef('registry.k8s.io/pause:3.10'), 'registry.k8s.io/pause:3.10');
    assert.equal(normalizeImageRef('localhost/app'), 'localhost/app:latest');
    assert.equal(normalizeImageRef('localhost:5000/app:1'), 'localhost:5000/app:1');
    assert.equal(normalizeImageRef('docker.io/library/busybox:1'), 'docker.io/library/busybox:1');
  });

  it('maps each short name a pod uses to the exported ref', () => {
    assert.equal(normalizeImageRef(OPERATOR_IMAGE), OPERATOR_IMAGE_REF);
    assert.equal(normalizeImageRef(CN_EMULATOR_IMAGE), CN_EMULATOR_IMAGE_REF);
    assert.equal(normalizeImageRef(CN_2022_IMAGE), CN_2022_IMAGE_REF);
    assert.equal(OPERATOR_IMAGE_REF, 'docker.io/library/starrocks-cn-operator:test');
  });

  it('exports refs that are already normalized', () => {
    for (const ref of [OPERATOR_IMAGE_REF, CN_EMULATOR_IMAGE_REF, CN_2022_IMAGE_REF, PAUSE_IMAGE_REF]) {
      assert.equal(normalizeImageRef(ref), ref);
    }
  });
});

describe('archiveFileName', () => {
  it('names archives after the last path component', () => {
    assert.equal(archiveFileName(OPERATOR_IMAGE_REF), 'starrocks-cn-operator_test.oci.tar');
    assert.equal(archiveFileName(PAUSE_IMAGE_REF), 'pause_3.10.oci.tar');
  });
});
