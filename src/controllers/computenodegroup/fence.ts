// Writes only while this replica may act. With leader election, a leader paused past its renew deadline (SIGSTOP, a
// frozen VM, a long GC pause) wakes with reconciles in flight and timers due, while a follower may already lead with
// fresher caches: a write from the old leader then (a DROP of a CN its stale cache does not know, a StatefulSet
// scaled back) would undo the new leader's work. Every write to the API server and to the FE goes through these
// wrappers, which ask the elector first; reads pass, Events are dropped. A refused write fails the reconcile (retried
// with backoff) until the elector steps down and the controller stops, or renews and writes go through again.
import type { ClusterPort, EventSink, FePort, FeSession } from './ports.js';

export class NotLeadingError extends Error {
  constructor() {
    super('this replica does not hold a valid leader lease now; it writes nothing until it renews or steps down');
    this.name = 'NotLeadingError';
  }
}

/** Whether this process may write now; the elector's mayAct, or always true without leader election. */
export type MayAct = () => boolean;

function refuseUnless(mayAct: MayAct): void {
  if (!mayAct()) throw new NotLeadingError();
}

export function fenceCluster(cluster: ClusterPort & EventSink, mayAct: MayAct): ClusterPort & EventSink {
  return {
    group: (namespace, name) => cluster.group(namespace, name),
    secret: (namespace, name) => cluster.secret(namespace, name),
    configMap: (namespace, name) => cluster.configMap(namespace, name),
    child: (kind, namespace, name) => cluster.child(kind, namespace, name),
    pods: (namespace, groupName) => cluster.pods(namespace, groupName),
    apply: async (object) => {
      refuseUnless(mayAct);
      return cluster.apply(object);
    },
    deleteChild: async (kind, namespace, name) => {
      refuseUnless(mayAct);
      return cluster.deleteChild(kind, namespace, name);
    },
    setPodCondition: async (namespace, pod, condition) => {
      refuseUnless(mayAct);
      return cluster.setPodCondition(namespace, pod, condition);
    },
    scaleStatefulSet: async (namespace, name, replicas) => {
      refuseUnless(mayAct);
      return cluster.scaleStatefulSet(namespace, name, replicas);
    },
    writeStatus: async (namespace, name, status) => {
      refuseUnless(mayAct);
      return cluster.writeStatus(namespace, name, status);
    },
    setFinalizers: async (namespace, name, finalizers, resourceVersion) => {
      refuseUnless(mayAct);
      return cluster.setFinalizers(namespace, name, finalizers, resourceVersion);
    },
    record: (group, type, reason, message) => {
      if (mayAct()) cluster.record(group, type, reason, message);
    },
  };
}

export function fenceFe(fe: FePort, mayAct: MayAct): FePort {
  return {
    session(addresses, credentials): FeSession {
      const session = fe.session(addresses, credentials);
      return {
        computeNodes: (maxAgeMs) => session.computeNodes(maxAgeMs),
        add: async (list) => {
          refuseUnless(mayAct);
          return session.add(list);
        },
        drop: async (list) => {
          refuseUnless(mayAct);
          return session.drop(list);
        },
        invalidate: () => {
          session.invalidate();
        },
      };
    },
  };
}
