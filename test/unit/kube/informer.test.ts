import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { KubeApiError, statusFromResponse } from '../../../src/kube/errors.js';
import { Informer, type CacheTransform, type InformerEventType } from '../../../src/kube/informer.js';
import type { ListPage, ListWatchSource, WatchEventType, WatchOptions } from '../../../src/kube/list-watch.js';
import type { LineStream } from '../../../src/kube/rest.js';
import { createLogger } from '../../../src/runtime/logging.js';
import { ManualClock, flush } from '../runtime/manual-clock.js';

function pod(name: string, resourceVersion: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', resourceVersion, managedFields: [{ manager: 'kubectl' }] },
  };
}

interface OpenWatch {
  options: WatchOptions;
  emit(type: WatchEventType, object: unknown): void;
  end(error?: Error): void;
  stopped: boolean;
}

/** A scripted API server: list pages and watch outcomes are queued by the test. */
class FakeSource implements ListWatchSource {
  readonly description = 'pods in ns';
  listPages: (ListPage[] | Error)[] = [];
  watchRefusals: Error[] = [];
  readonly listCalls: (string | undefined)[] = [];
  readonly watches: OpenWatch[] = [];
  private pageQueue: ListPage[] = [];

  list(options: { limit: number; continue: string | undefined }): Promise<ListPage> {
    this.listCalls.push(options.continue);
    if (options.continue === undefined) {
      const next = this.listPages.shift();
      if (next instanceof Error) return Promise.reject(next);
      this.pageQueue = [...(next ?? [{ items: [], resourceVersion: '1', continue: undefined }])];
    }
    const page = this.pageQueue.shift();
    return page ? Promise.resolve(page) : Promise.reject(new Error('no page scripted'));
  }

  watch(options: WatchOptions, onEvent: (type: WatchEventType, object: unknown) => void): Promise<LineStream> {
    const refusal = this.watchRefusals.shift();
    if (refusal) return Promise.reject(refusal);
    let finish!: (error: Error | undefined) => void;
    const done = new Promise<Error | undefined>((resolve) => (finish = resolve));
    const open: OpenWatch = {
      options,
      stopped: false,
      emit: (type, object) => {
        onEvent(type, object);
      },
      end: (error) => {
        finish(error);
      },
    };
    this.watches.push(open);
    return Promise.resolve({
      stop: () => {
        open.stopped = true;
        finish(undefined);
      },
      done,
    });
  }
}

function watchAt(source: FakeSource, index: number): OpenWatch {
  const watch = source.watches[index];
  if (!watch) throw new Error(`watch #${index} was not opened`);
  return watch;
}

function setup(options: { watchdogMs?: number; resyncPeriodMs?: number; transform?: CacheTransform } = {}) {
  const clock = new ManualClock();
  const source = new FakeSource();
  const events: string[] = [];
  const informer = new Informer({
    source,
    clock,
    random: () => 0.5,
    logger: createLogger({ name: 'test', level: 'silent' }),
    pageSize: 2,
    ...options,
  });
  informer.addHandler((type: InformerEventType, object) => events.push(`${type} ${object.metadata.name}`));
  return { clock, source, events, informer };
}

const gone = (): KubeApiError =>
  new KubeApiError('GET', '/api/v1/pods', statusFromResponse(410, { reason: 'Expired' }));

describe('Informer', () => {
  it('lists page by page, caches plain objects without managedFields, then watches from the list version', async () => {
    const { source, events, informer } = setup();
    source.listPages = [
      [
        { items: [pod('a', '5'), pod('b', '6')], resourceVersion: '10', continue: 'token-1' },
        { items: [pod('c', '7')], resourceVersion: '10', continue: undefined },
      ],
    ];
    informer.start();
    await flush();
    assert.deepEqual(source.listCalls, [undefined, 'token-1']);
    assert.equal(informer.hasSynced(), true);
    assert.deepEqual(events, ['add a', 'add b', 'add c']);
    assert.equal(informer.get('ns/a')?.metadata.managedFields, undefined);
    assert.equal(Object.getPrototypeOf(informer.get('ns/a')), Object.prototype);
    assert.equal(watchAt(source, 0).options.resourceVersion, '10');
    const timeout = watchAt(source, 0).options.timeoutSeconds;
    assert.ok(timeout >= 300 && timeout < 600, `timeoutSeconds ${timeout} in [300, 600)`);
    await informer.stop();
  });

  it('applies watch events, follows bookmarks and resumes the next watch from the last version', async () => {
    const { source, events, informer } = setup();
    informer.start();
    await flush();
    const watch = watchAt(source, 0);
    watch.emit('ADDED', pod('a', '2'));
    watch.emit('MODIFIED', pod('a', '3'));
    watch.emit('BOOKMARK', { kind: 'Pod', metadata: { name: '', resourceVersion: '9' } });
    watch.emit('DELETED', pod('a', '11'));
    assert.deepEqual(events, ['add a', 'update a', 'delete a']);
    assert.equal(informer.get('ns/a'), undefined);
    watch.end();
    await flush();
    assert.equal(source.watches.length, 2, 'a watch closed by the server timeout is reopened at once');
    assert.equal(watchAt(source, 1).options.resourceVersion, '11');
    assert.equal(source.listCalls.length, 1, 'no relist for a normal close');
    await informer.stop();
  });

  it('hands update handlers the version the update replaced, from a watch and from a relist', async () => {
    const { source, clock, informer } = setup();
    source.listPages = [
      [{ items: [pod('a', '1')], resourceVersion: '5', continue: undefined }],
      [{ items: [pod('a', '8')], resourceVersion: '20', continue: undefined }],
    ];
    const replaced: string[] = [];
    informer.addHandler((type, object, previous) => {
      if (type === 'update')
        replaced.push(`${previous?.metadata.resourceVersion} -> ${object.metadata.resourceVersion}`);
      else assert.equal(previous, undefined, `${type} has no previous version`);
    });
    informer.start();
    await flush();
    watchAt(source, 0).emit('MODIFIED', pod('a', '6'));
    watchAt(source, 0).emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
    clock.advance(1_000);
    await flush();
    assert.deepEqual(replaced, ['1 -> 6', '6 -> 8']);
    await informer.stop();
  });

  it('with a transform, an update that changes only what the transform drops is cached without calling handlers', async () => {
    // Keeps the metadata and the phase, drops everything else.
    const { source, events, informer } = setup({
      transform: {
        id: 'phase-only',
        apply: (object) => ({ metadata: object.metadata, phase: (object['status'] as { phase?: string }).phase }),
      },
    });
    informer.start();
    await flush();
    const watch = watchAt(source, 0);
    const withStatus = (resourceVersion: string, status: object): Record<string, unknown> => ({
      ...pod('a', resourceVersion),
      status,
    });
    watch.emit('ADDED', withStatus('2', { phase: 'Pending', hostIP: '10.0.0.1' }));
    watch.emit('MODIFIED', withStatus('3', { phase: 'Pending', hostIP: '10.0.0.2' }));
    assert.deepEqual(events, ['add a'], 'a change the transform drops reaches no handler');
    assert.equal(informer.get('ns/a')?.metadata.resourceVersion, '3', 'the cache still holds the new version');
    watch.emit('MODIFIED', withStatus('4', { phase: 'Running', hostIP: '10.0.0.2' }));
    assert.deepEqual(events, ['add a', 'update a']);
    await informer.stop();
  });

  it('relists on 410 Gone and emits what changed in between', async () => {
    const { source, clock, events, informer } = setup();
    source.listPages = [
      [{ items: [pod('a', '1'), pod('b', '1')], resourceVersion: '5', continue: undefined }],
      [{ items: [pod('b', '8'), pod('c', '9')], resourceVersion: '20', continue: undefined }],
    ];
    informer.start();
    await flush();
    watchAt(source, 0).emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
    await flush();
    assert.equal(source.listCalls.length, 2);
    assert.deepEqual(events, ['add a', 'add b', 'delete a', 'update b', 'add c']);
    assert.equal(watchAt(source, 1).options.resourceVersion, '20');
    source.watchRefusals = [gone()];
    clock.advance(60_000);
    watchAt(source, 1).end();
    await flush();
    assert.equal(source.listCalls.length, 3, 'a watch refused with 410 relists too');
    await informer.stop();
  });

  it('backs off 1 s, 2 s ... on errors and resets after the first event', async () => {
    const { source, clock, informer } = setup();
    source.listPages = [new Error('connect ECONNREFUSED'), new Error('connect ECONNREFUSED')];
    informer.start();
    await flush();
    assert.equal(informer.hasSynced(), false);
    clock.advance(999);
    await flush();
    assert.equal(source.listCalls.length, 1, 'no retry before 1 s');
    clock.advance(1);
    await flush();
    assert.equal(source.listCalls.length, 2);
    clock.advance(1999);
    await flush();
    assert.equal(source.listCalls.length, 2, 'the second retry waits 2 s');
    clock.advance(1);
    await flush();
    assert.equal(informer.hasSynced(), true);
    watchAt(source, 0).emit('ADDED', pod('a', '3'));
    source.watchRefusals = [new Error('socket hang up')];
    watchAt(source, 0).end(new Error('read ECONNRESET'));
    await flush();
    assert.equal(source.watches.length, 1);
    clock.advance(1000);
    await flush();
    assert.equal(source.watches.length, 1, 'after the reset the first retry came at 1 s and was refused');
    clock.advance(1999);
    await flush();
    assert.equal(source.watches.length, 1, 'the next delay doubled to 2 s');
    clock.advance(1);
    await flush();
    assert.equal(source.watches.length, 2);
    assert.equal(watchAt(source, 1).options.resourceVersion, '3', 'resumes without relisting');
    assert.equal(source.listCalls.length, 3);
    await informer.stop();
  });

  it('backs off instead of spinning when watches close at once without events', async () => {
    const { source, clock, informer } = setup();
    informer.start();
    await flush();
    watchAt(source, 0).end();
    await flush();
    assert.equal(source.watches.length, 1, 'no immediate reconnect');
    clock.advance(1000);
    await flush();
    assert.equal(source.watches.length, 2, 'reconnected after the backoff');
    await informer.stop();
  });

  it('restarts a watch that stays silent past the watchdog', async () => {
    const { source, clock, informer } = setup({ watchdogMs: 60_000 });
    informer.start();
    await flush();
    clock.advance(30_000);
    watchAt(source, 0).emit('BOOKMARK', { metadata: { name: '', resourceVersion: '4' } });
    clock.advance(59_999);
    await flush();
    assert.equal(watchAt(source, 0).stopped, false, 'the bookmark counted as life');
    clock.advance(1);
    await flush();
    assert.equal(watchAt(source, 0).stopped, true);
    assert.equal(source.watches.length, 2);
    assert.equal(watchAt(source, 1).options.resourceVersion, '4');
    await informer.stop();
    assert.equal(watchAt(source, 1).stopped, true, 'stop closes the open watch');
  });

  it('survives a throwing handler and resyncs every key periodically', async () => {
    const { source, clock, events, informer } = setup({ resyncPeriodMs: 10_000 });
    informer.addHandler(() => {
      throw new Error('handler bug');
    });
    source.listPages = [[{ items: [pod('a', '1')], resourceVersion: '1', continue: undefined }]];
    informer.start();
    await flush();
    watchAt(source, 0).emit('MODIFIED', pod('a', '2'));
    assert.equal(informer.get('ns/a')?.metadata.resourceVersion, '2');
    clock.advance(10_000);
    assert.deepEqual(events, ['add a', 'update a', 'resync a']);
    await informer.stop();
  });

  it('waitForSync is bounded', async () => {
    const { source, clock, informer } = setup();
    source.listPages = [new Error('forbidden')];
    informer.start();
    const waiting = informer.waitForSync(5000);
    clock.advance(5000);
    assert.equal(await waiting, false);
    await informer.stop();
  });
});
