import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ComputeNodeGroup } from '../../../src/api/v1alpha1/index.js';
import { FeError } from '../../../src/fe/index.js';
import type { PassObservations } from '../../../src/controllers/computenodegroup/observations.js';
import { passEvents } from '../../../src/controllers/computenodegroup/pass-events.js';
import { testGroup } from './status-inputs.js';

const group = (): ComputeNodeGroup => testGroup();

const quiet: PassObservations = {
  group: group(),
  now: new Date('2026-12-06T10:00:00Z'),
  pods: [],
  feUser: 'root',
  fe: { kind: 'Read', feAddress: '127.0.0.1:9030' },
  feChanges: { added: [], dropped: [] },
  replicas: { kind: 'Steady', replicas: 2 },
  childFailures: [],
  droppedFields: [],
};

const settings = { feWaitLimitMs: 120_000 };

function reasons(observed: PassObservations): string[] {
  return passEvents(observed, settings).map((event) => `${event.type}/${event.reason}`);
}

describe('the Events of a pass', () => {
  it('says nothing about a quiet pass', () => {
    assert.deepEqual(passEvents(quiet, settings), []);
  });

  it('reports a missing configuration, and nothing of the steps that did not run', () => {
    const observed: PassObservations = {
      group: group(),
      now: quiet.now,
      pods: [],
      fe: { kind: 'NotAttempted' },
      configProblem: { reason: 'SecretNotFound', message: 'Secret fe-account not found: create it' },
    };
    const events = passEvents(observed, settings);
    assert.deepEqual(events, [
      { type: 'Warning', reason: 'SecretNotFound', message: 'Secret fe-account not found: create it' },
    ]);
  });

  it('names each CN the FE dropped and added, with its pod and reason', () => {
    const events = passEvents(
      {
        ...quiet,
        feChanges: {
          dropped: [{ address: '10.0.0.3:9050', pod: 'g-2', reason: 'scale-in' }],
          added: [{ address: '10.0.0.1:9050', pod: 'g-0' }],
        },
      },
      settings,
    );
    assert.deepEqual(
      events.map((event) => [event.reason, event.message]),
      [
        ['CNDropped', 'dropped from the FE: 10.0.0.3:9050 (g-2, scale-in)'],
        ['CNAdded', 'added to the FE: 10.0.0.1:9050 (g-0)'],
      ],
    );
  });

  it('reports an FE that did not answer, and one that refused a change, by kind', () => {
    const unreachable = new FeError('Unreachable', 'connect ECONNREFUSED');
    assert.deepEqual(reasons({ ...quiet, fe: { kind: 'Failed', error: unreachable } }), ['Warning/FEUnreachable']);
    const refused = new FeError('MissingPrivilege', 'Access denied', { feMessage: 'Access denied' });
    const events = passEvents({ ...quiet, feActionError: refused }, settings);
    assert.deepEqual(
      events.map((event) => event.reason),
      ['FEUpdateFailed'],
    );
    assert.match(events[0]?.message ?? '', /GRANT NODE/);
  });

  it('says when a scale-in stopped CNs without the FE, with the wait it gave up on', () => {
    const events = passEvents(
      { ...quiet, replicas: { kind: 'ScaleInWithoutFE', replicas: 1, leaving: [1] } },
      settings,
    );
    const [event, ...others] = events;
    assert.ok(event !== undefined && others.length === 0);
    assert.equal(event.reason, 'ScaleInWithoutFE');
    assert.match(event.message, /unreachable for 120s; ordinals 1 stop now/);
  });

  it('reports a drain window that ended with queries on the CN, and stays quiet when none was left', () => {
    const end = { pod: 'g-2', address: '10.0.0.3:9050', windowSeconds: 300 };
    const events = passEvents(
      {
        ...quiet,
        windowsEnded: [
          { ...end, killed: ['00000001-5eed-4a11-8000-000000000000'], problems: [] },
          { ...end, pod: 'g-3', killed: [], problems: [] },
          { ...end, pod: 'g-4', killed: [], problems: ['FE 127.0.0.1:9030 could not list them: denied'] },
        ],
      },
      settings,
    );
    assert.deepEqual(
      events.map((event) => [event.type, event.reason, event.message]),
      [
        [
          'Warning',
          'DrainWindowOver',
          'CN g-2 (10.0.0.3:9050) still ran queries when its drain window of 300s ended: killed 1 ' +
            '(00000001-5eed-4a11-8000-000000000000). Raise spec.drain.windowSeconds if such queries should finish.',
        ],
        [
          'Warning',
          'DrainWindowOver',
          'CN g-4 (10.0.0.3:9050) still ran queries when its drain window of 300s ended: killed none; ' +
            'FE 127.0.0.1:9030 could not list them: denied. Raise spec.drain.windowSeconds if such queries should finish.',
        ],
      ],
    );
  });

  it('reports refused children each pass, transient failures never, dropped fields once when found', () => {
    const failure = { kind: 'StatefulSet', name: 'g', error: new Error('x'), message: 'the API server refused' };
    const observed: PassObservations = {
      ...quiet,
      childFailures: [
        { ...failure, refused: true },
        { ...failure, refused: false, message: 'timeout' },
      ],
      droppedFields: [{ kind: 'StatefulSet', name: 'g', paths: ['spec.x'], justApplied: false }],
    };
    assert.deepEqual(reasons(observed), ['Warning/ChildRefused']);
    const found = {
      ...observed,
      droppedFields: [{ kind: 'StatefulSet', name: 'g', paths: ['spec.x'], justApplied: true }],
    };
    assert.deepEqual(reasons(found), ['Warning/ChildRefused', 'Warning/FieldsDropped']);
  });

  it('reports a missing CPU request and a storage directory outside its volume, not a good storage layout', () => {
    const observed: PassObservations = {
      ...quiet,
      autoscaling: { type: 'Autoscaling', status: 'False', reason: 'MissingCPURequest', message: 'set a CPU request' },
      storage: { type: 'StorageConfigured', status: 'False', reason: 'PathOutsideVolume', message: 'move it' },
    };
    assert.deepEqual(reasons(observed), ['Warning/MissingCPURequest', 'Warning/PathOutsideVolume']);
    const configured: PassObservations = {
      ...quiet,
      storage: { type: 'StorageConfigured', status: 'True', reason: 'Configured', message: 'fine' },
    };
    assert.deepEqual(reasons(configured), []);
  });
});
