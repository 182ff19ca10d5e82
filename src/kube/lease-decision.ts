// Pure decisions of Lease leader election (coordination.k8s.io/v1), after client-go's leaderelection package.
// Expiry is judged on the LOCAL clock from when this replica last saw the lease record change, never by comparing
// another machine's renewTime with our clock, so clock skew between nodes cannot make two replicas leaders.
import { isRecord } from '../util/guards.js';

export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** MicroTime texts as stored. */
  acquireTime: string | undefined;
  renewTime: string | undefined;
  leaseTransitions: number;
}

export type LeaseDecision =
  /** Nobody holds a valid lease: take it (a new transition). */
  | 'acquire'
  /** We hold it: renew. */
  | 'renew'
  /** Another replica holds a lease that has not expired by our observation. */
  | 'wait';

export function decideLease(
  record: LeaseRecord | undefined,
  observedAtMs: number,
  nowMs: number,
  identity: string,
): LeaseDecision {
  if (!record || record.holderIdentity === '') return 'acquire';
  if (record.holderIdentity === identity) return 'renew';
  const expiresAt = observedAtMs + record.leaseDurationSeconds * 1000;
  return nowMs >= expiresAt ? 'acquire' : 'wait';
}

/** The record to write for `decision` (not 'wait'), with times as MicroTime. */
export function nextLeaseRecord(
  current: LeaseRecord | undefined,
  decision: 'acquire' | 'renew',
  identity: string,
  leaseDurationSeconds: number,
  nowMicroTime: string,
): LeaseRecord {
  const changedHolder = decision === 'acquire' && current?.holderIdentity !== identity;
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: changedHolder || current?.acquireTime === undefined ? nowMicroTime : current.acquireTime,
    renewTime: nowMicroTime,
    leaseTransitions: (current?.leaseTransitions ?? 0) + (changedHolder && current ? 1 : 0),
  };
}

/** Reads the spec of a Lease object (plain JSON); undefined when it has none. */
export function leaseRecordOf(lease: unknown): LeaseRecord | undefined {
  if (!isRecord(lease) || !isRecord(lease['spec'])) return undefined;
  const spec = lease['spec'];
  const text = (key: string): string | undefined => (typeof spec[key] === 'string' ? spec[key] : undefined);
  const number = (key: string): number | undefined => (typeof spec[key] === 'number' ? spec[key] : undefined);
  return {
    holderIdentity: text('holderIdentity') ?? '',
    leaseDurationSeconds: number('leaseDurationSeconds') ?? 15,
    acquireTime: text('acquireTime'),
    renewTime: text('renewTime'),
    leaseTransitions: number('leaseTransitions') ?? 0,
  };
}

/** Whether two records differ in a way that proves the holder is alive (restarts our expiry observation). */
export function recordChanged(a: LeaseRecord | undefined, b: LeaseRecord | undefined): boolean {
  return JSON.stringify(a) !== JSON.stringify(b);
}
