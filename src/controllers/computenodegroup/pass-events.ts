// The Events of a pass, computed from its observations (observations.ts) and recorded in one place by the
// reconciler. Pure, so what a pass says to `kubectl describe` is tested without a cluster; the sink deduplicates, so a
// condition that persists (a missing CPU request, a refused child) costs one Event, not one per pass.
import type { EventReason } from '../../api/v1alpha1/index.js';
import { SCALE_IN_WITHOUT_FE } from '../../membership/index.js';
import type { PassObservations, WindowEnd } from './observations.js';
import { droppedFieldsMessage, feFailureMessage } from './status.js';

export interface GroupEvent {
  type: 'Normal' | 'Warning';
  reason: EventReason;
  message: string;
}

/** How long a scale-in waits for an unreachable FE (named in ScaleInWithoutFE). */
export interface PassEventSettings {
  feWaitLimitMs: number;
}

/** In the order of the pass: configuration, FE read, FE changes, replicas, children, side conditions. */
export function passEvents(observed: PassObservations, settings: PassEventSettings): GroupEvent[] {
  return [
    ...configEvents(observed),
    ...feEvents(observed),
    ...replicaEvents(observed, settings),
    ...drainEvents(observed),
    ...childEvents(observed),
    ...sideConditionEvents(observed),
    ...capacityEvents(observed),
  ];
}

/** Suspensions, resumptions, windows opening and closing; a refusal of 0 CNs at each pass (the sink aggregates). */
function capacityEvents({ capacity }: PassObservations): GroupEvent[] {
  if (capacity === undefined) return [];
  const events: GroupEvent[] = capacity.changes.flatMap((change): GroupEvent[] => {
    switch (change.kind) {
      case 'Suspended':
        return [
          { type: 'Normal', reason: 'Suspended', message: `suspended (${change.detail}): every CN is taken out` },
        ];
      case 'Resumed':
        return [{ type: 'Normal', reason: 'Resumed', message: `resumed (${change.detail}): its CNs come back` }];
      case 'WindowOpened':
        return [{ type: 'Normal', reason: 'WindowOpened', message: `schedule window ${change.window} opened` }];
      case 'WindowClosed':
        return [{ type: 'Normal', reason: 'WindowClosed', message: `schedule window ${change.window} closed` }];
    }
  });
  if (capacity.refused !== undefined) {
    events.push({ type: 'Warning', reason: 'ZeroComputeRefused', message: capacity.refused });
  }
  return events;
}

function configEvents({ configProblem }: PassObservations): GroupEvent[] {
  if (configProblem === undefined) return [];
  return [{ type: 'Warning', reason: configProblem.reason, message: configProblem.message }];
}

function feEvents({ group, fe, feUser, feChanges, feActionError }: PassObservations): GroupEvent[] {
  const events: GroupEvent[] = [];
  if (fe.kind === 'Failed') {
    const message = feFailureMessage(fe.error, group, feUser);
    events.push({ type: 'Warning', reason: `FE${fe.error.kind}`, message });
  }
  if (feChanges !== undefined && feChanges.dropped.length > 0) {
    const detail = feChanges.dropped.map((drop) => `${drop.address} (${drop.pod ?? 'no pod'}, ${drop.reason})`);
    events.push({ type: 'Normal', reason: 'CNDropped', message: `dropped from the FE: ${detail.join(', ')}` });
  }
  if (feChanges !== undefined && feChanges.added.length > 0) {
    const detail = feChanges.added.map((add) => `${add.address} (${add.pod})`);
    events.push({ type: 'Normal', reason: 'CNAdded', message: `added to the FE: ${detail.join(', ')}` });
  }
  if (feActionError !== undefined) {
    const message = feFailureMessage(feActionError, group, undefined);
    events.push({ type: 'Warning', reason: 'FEUpdateFailed', message });
  }
  return events;
}

function drainEvents({ windowsEnded }: PassObservations): GroupEvent[] {
  return windowEndEvents(windowsEnded ?? []);
}

/** A window that ended with queries still on the CN: which were killed, and what could not be done. */
export function windowEndEvents(ended: readonly WindowEnd[]): GroupEvent[] {
  return ended
    .filter((end) => end.killed.length > 0 || end.problems.length > 0)
    .map((end) => {
      const killed = end.killed.length > 0 ? `killed ${end.killed.length} (${end.killed.join(', ')})` : 'killed none';
      const problems = end.problems.length > 0 ? `; ${end.problems.join('; ')}` : '';
      return {
        type: 'Warning',
        reason: 'DrainWindowOver',
        message:
          `CN ${end.pod} (${end.address}) still ran queries when its drain window of ${end.windowSeconds}s ended: ` +
          `${killed}${problems}. Raise spec.drain.windowSeconds if such queries should finish.`,
      };
    });
}

function replicaEvents({ replicas }: PassObservations, settings: PassEventSettings): GroupEvent[] {
  if (replicas?.kind !== SCALE_IN_WITHOUT_FE) return [];
  const message =
    `the FE stayed unreachable for ${Math.round(settings.feWaitLimitMs / 1000)}s; ordinals ` +
    `${replicas.leaving.join(', ')} stop now and leave the FE when it is reachable again`;
  return [{ type: 'Warning', reason: SCALE_IN_WITHOUT_FE, message }];
}

/**
 * A refused child, each time; fields the API server dropped, when an apply of this pass finds it out (the condition
 * ChildrenApplied keeps saying it between applies, without an Event at every pass).
 */
function childEvents({ childFailures = [], droppedFields = [] }: PassObservations): GroupEvent[] {
  const events: GroupEvent[] = childFailures
    .filter((failure) => failure.refused)
    .map((failure) => ({ type: 'Warning', reason: 'ChildRefused', message: failure.message }));
  const found = droppedFields.filter((entry) => entry.justApplied);
  if (found.length > 0) events.push({ type: 'Warning', reason: 'FieldsDropped', message: droppedFieldsMessage(found) });
  return events;
}

/** A missing CPU request under a CPU policy; a storage directory outside its volume. */
function sideConditionEvents({ autoscaling, storage }: PassObservations): GroupEvent[] {
  const events: GroupEvent[] = [];
  if (autoscaling?.reason === 'MissingCPURequest') {
    events.push({ type: 'Warning', reason: 'MissingCPURequest', message: autoscaling.message });
  }
  if (storage !== undefined && storage.reason !== 'Configured') {
    events.push({ type: 'Warning', reason: storage.reason, message: storage.message });
  }
  return events;
}
