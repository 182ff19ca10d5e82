// The write fence: whether this replica may write now. With leader election, a leader paused past its renew deadline
// (SIGSTOP, a frozen VM, a long GC pause) wakes with reconciles in flight and timers due, while a follower may already
// lead with fresher caches: a write from the old leader then (a DROP of a CN its stale cache does not know, a
// StatefulSet scaled back) would undo the new leader's work. The fence is asked at the two choke points every write
// passes: the write verbs of the controller's REST view (kube/fenced-rest.ts) and every statement of the FE client
// that is not a read (fe/client.ts). A new write through either is fenced without an edit here. Reads pass; the
// controller's Events are dropped rather than refused. A refused write fails the reconcile (retried with backoff)
// until the elector steps down and the controller stops, or renews and writes go through again.

/** Whether this process may write now: the elector's mayAct, or always true without leader election. */
export type MayAct = () => boolean;

export const ALWAYS_ACT: MayAct = () => true;

export class NotLeadingError extends Error {
  constructor() {
    super('this replica does not hold a valid leader lease now; it writes nothing until it renews or steps down');
    this.name = 'NotLeadingError';
  }
}

/** Throws NotLeadingError unless the fence lets writes through at this moment. */
export function refuseUnless(mayAct: MayAct): void {
  if (!mayAct()) throw new NotLeadingError();
}
