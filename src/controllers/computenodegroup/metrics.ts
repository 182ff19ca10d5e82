// Per-group Prometheus series read from the groups' status as cached (the figures the reconciler already wrote, so
// the metrics and `kubectl get cng` never disagree), computed when Prometheus scrapes, plus a counter of membership
// changes the reconciler makes in the FE. Only the leader has the caches, so only the leader exports them; the
// dashboard and the alert rules aggregate with max by (namespace, group).
import { Counter, Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import type { KubeObject } from '../../kube/objects.js';
import { registerGroupGauges } from '../../runtime/group-gauges.js';
import type { MembershipSink } from './ports.js';

/** What the series read from one cached group; parsed once per cached version (the cache replaces changed objects). */
export interface GroupFigures {
  namespace: string;
  name: string;
  specReplicas: number | undefined;
  minReplicas: number | undefined;
  maxReplicas: number | undefined;
  pods: number | undefined;
  readyPods: number | undefined;
  registered: number | undefined;
  notAlive: number | undefined;
  unregisteredPods: number | undefined;
  staleEntries: number | undefined;
  conditions: { type: string; status: string; reason: string }[];
}

const count = z.number().int().min(0).optional().catch(undefined);
const groupSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), namespace: z.string() }),
  spec: z
    .looseObject({
      replicas: count,
      autoScalingPolicy: z.looseObject({ minReplicas: count, maxReplicas: count }).optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
  status: z
    .looseObject({
      replicas: count,
      readyReplicas: count,
      registeredReplicas: count,
      servers: z.looseObject({ unavailable: count, unregistered: count, useless: count }).optional().catch(undefined),
      conditions: z
        .array(z.looseObject({ type: z.string(), status: z.string(), reason: z.string().optional() }))
        .optional()
        .catch(undefined),
    })
    .optional()
    .catch(undefined),
});

/** The figures of one cached group; undefined for an object that is not a namespaced group. */
export function groupFigures(object: unknown): GroupFigures | undefined {
  const parsed = groupSchema.safeParse(object);
  if (!parsed.success) return undefined;
  const { metadata, spec, status } = parsed.data;
  const policy = spec?.autoScalingPolicy;
  return {
    namespace: metadata.namespace,
    name: metadata.name,
    specReplicas: spec?.replicas,
    minReplicas: policy === undefined ? undefined : (policy.minReplicas ?? 1),
    maxReplicas: policy?.maxReplicas,
    pods: status?.replicas,
    readyPods: status?.readyReplicas,
    registered: status?.registeredReplicas,
    notAlive: status?.servers?.unavailable,
    unregisteredPods: status?.servers?.unregistered,
    staleEntries: status?.servers?.useless,
    conditions: (status?.conditions ?? []).map(({ type, status: value, reason }) => ({
      type,
      status: value,
      reason: reason ?? '',
    })),
  };
}

/** The gauges, one figure each; a figure the group does not have yields no series. */
export const GROUP_STATUS_METRICS = [
  {
    series: 'starrocks_cn_group_spec_replicas',
    help: 'CNs the group asks for (spec.replicas, set by you or the HPA)',
    read: (group: GroupFigures) => group.specReplicas,
  },
  {
    series: 'starrocks_cn_group_min_replicas',
    help: 'autoScalingPolicy.minReplicas (only with an autoscaling policy)',
    read: (group: GroupFigures) => group.minReplicas,
  },
  {
    series: 'starrocks_cn_group_max_replicas',
    help: 'autoScalingPolicy.maxReplicas (only with an autoscaling policy)',
    read: (group: GroupFigures) => group.maxReplicas,
  },
  {
    series: 'starrocks_cn_group_pods',
    help: 'CN pods of the group (status.replicas)',
    read: (group: GroupFigures) => group.pods,
  },
  {
    series: 'starrocks_cn_group_ready_pods',
    help: 'CN pods that are Ready (status.readyReplicas)',
    read: (group: GroupFigures) => group.readyPods,
  },
  {
    series: 'starrocks_cn_group_registered_compute_nodes',
    help: "The group's CNs the FE lists, alive or not (status.registeredReplicas)",
    read: (group: GroupFigures) => group.registered,
  },
  {
    series: 'starrocks_cn_group_not_alive_compute_nodes',
    help: "The group's CNs the FE lists but does not report alive (status.servers.unavailable)",
    read: (group: GroupFigures) => group.notAlive,
  },
  {
    series: 'starrocks_cn_group_unregistered_pods',
    help: 'Pods of the group whose CN the FE does not list (status.servers.unregistered)',
    read: (group: GroupFigures) => group.unregisteredPods,
  },
  {
    series: 'starrocks_cn_group_stale_entries',
    help: 'FE entries of the group with no pod, waiting to be dropped (status.servers.useless)',
    read: (group: GroupFigures) => group.staleEntries,
  },
] as const;

export const GROUP_CONDITION_SERIES = 'starrocks_cn_group_condition';
export const MEMBERSHIP_CHANGES_SERIES = 'starrocks_cn_group_membership_changes_total';
export const DRAIN_KILLED_QUERIES_SERIES = 'starrocks_cn_group_drain_killed_queries_total';

export class GroupMetrics {
  private source: (() => readonly KubeObject[]) | undefined;
  private readonly parsed = new WeakMap<KubeObject, GroupFigures | null>();
  private readonly changes: Counter<'namespace' | 'group' | 'action'>;
  private readonly killed: Counter<'namespace' | 'group'>;

  /** The reconciler's side: it counts the CNs it added to and dropped from the FE. */
  readonly membership: MembershipSink;

  constructor(registry: Registry) {
    const figures = (): GroupFigures[] => this.figures();
    registerGroupGauges(registry, GROUP_STATUS_METRICS, figures, ({ namespace, name }) => ({ namespace, group: name }));
    new Gauge({
      name: GROUP_CONDITION_SERIES,
      help: "1 for each of the group's conditions, labelled with its type, status and reason",
      labelNames: ['namespace', 'group', 'type', 'status', 'reason'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const group of figures()) {
          for (const { type, status, reason } of group.conditions) {
            this.set({ namespace: group.namespace, group: group.name, type, status, reason }, 1);
          }
        }
      },
    });
    this.changes = new Counter({
      name: MEMBERSHIP_CHANGES_SERIES,
      help: 'CNs the operator added to (action="add") or dropped from (action="drop") the FE',
      labelNames: ['namespace', 'group', 'action'] as const,
      registers: [registry],
    });
    this.killed = new Counter({
      name: DRAIN_KILLED_QUERIES_SERIES,
      help: 'Queries killed through the FE because they still ran on a CN when its drain window ended',
      labelNames: ['namespace', 'group'] as const,
      registers: [registry],
    });
    this.membership = {
      changed: (namespace, group, action, nodes) => {
        this.changes.inc({ namespace, group, action }, nodes);
      },
      queriesKilled: (namespace, group, queries) => {
        this.killed.inc({ namespace, group }, queries);
      },
      forget: (namespace, group) => {
        for (const action of ['add', 'drop'] as const) this.changes.remove({ namespace, group, action });
        this.killed.remove({ namespace, group });
      },
    };
  }

  /** Where the groups come from: the leader's cache, once it has one. */
  watch(list: () => readonly KubeObject[]): void {
    this.source = list;
  }

  private figures(): GroupFigures[] {
    const result: GroupFigures[] = [];
    for (const object of this.source?.() ?? []) {
      let figures = this.parsed.get(object);
      if (figures === undefined) {
        figures = groupFigures(object) ?? null;
        this.parsed.set(object, figures);
      }
      if (figures !== null) result.push(figures);
    }
    return result;
  }
}
