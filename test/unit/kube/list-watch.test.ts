// Decoding LIST answers and watch lines, including the metadata-only forms (PartialObjectMetadataList).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseListPage, parseWatchLine } from '../../../src/kube/list-watch.js';

describe('parseListPage', () => {
  it('reads the items, the resourceVersion and the continue token', () => {
    const page = parseListPage(
      { items: [{ metadata: { name: 'a' } }], metadata: { resourceVersion: '7', continue: 'next' } },
      '/p',
    );
    assert.deepEqual(page, { items: [{ metadata: { name: 'a' } }], resourceVersion: '7', continue: 'next' });
  });

  it('reads an empty PartialObjectMetadataList, whose items are null, as an empty page', () => {
    const body = {
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '626' },
      items: null,
    };
    assert.deepEqual(parseListPage(body, '/p'), { items: [], resourceVersion: '626', continue: undefined });
  });

  it('refuses an answer that is not a list', () => {
    assert.throws(() => parseListPage({ kind: 'Status' }, '/p'), /no items or metadata/);
    assert.throws(() => parseListPage({ items: [], metadata: null }, '/p'), /no items or metadata/);
  });
});

describe('parseWatchLine', () => {
  it('decodes events and skips what is not one', () => {
    assert.deepEqual(parseWatchLine('{"type":"ADDED","object":{"kind":"PartialObjectMetadata"}}'), {
      type: 'ADDED',
      object: { kind: 'PartialObjectMetadata' },
    });
    assert.equal(parseWatchLine('{"type":"NOPE"}'), undefined);
    assert.equal(parseWatchLine('not json'), undefined);
  });
});
