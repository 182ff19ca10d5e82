// A group's children: built from the spec once per input, applied in the table's order, unwanted ones deleted, and
// what the API server did not accept returned for the status and the Events (never retried silently: a refusal
// waits for the user, a transient failure is retried with backoff by the pass).
import { z } from 'zod';
import type { ComputeNodeGroup } from '../../api/v1alpha1/index.js';
import {
  CHILD_KINDS,
  buildChildren,
  groupNamespace,
  hashCnConf,
  statefulSetName,
  type ChildKindEntry,
  type DesiredChildren,
  type HpaPlan,
  type OperatorSettings,
} from '../../builders/index.js';
import type { ResolvedConfig } from '../../group/config.js';
import { describeError, isConflict, isRetryable, statusOf } from '../../kube/errors.js';
import type { Logger } from '../../runtime/logging.js';
import { deepFreeze } from '../../util/freeze.js';
import type { ChildFailure, DroppedFields } from './observations.js';
import type { ClusterPort } from './ports.js';

/** What applying the children left to report. */
export interface ChildrenOutcome {
  failures: ChildFailure[];
  dropped: DroppedFields[];
}

const statefulSetSchema = z.looseObject({ spec: z.looseObject({ replicas: z.number().int().min(0).optional() }) });

export class GroupChildren {
  /** By group key: the children last built, and the inputs they were built from. */
  private readonly built = new Map<string, { inputs: string; children: DesiredChildren }>();

  constructor(
    private readonly cluster: ClusterPort,
    private readonly operator: OperatorSettings,
  ) {}

  /** The StatefulSet's replicas as cached; undefined when it does not exist yet. */
  statefulSetReplicas(group: ComputeNodeGroup): number | undefined {
    const raw = this.cluster.child('StatefulSet', groupNamespace(group), statefulSetName(group));
    const parsed = statefulSetSchema.safeParse(raw);
    return parsed.success ? (parsed.data.spec.replicas ?? 1) : undefined;
  }

  /** Applies the wanted children and deletes the unwanted ones; returns what the API server did not accept. */
  async apply(
    group: ComputeNodeGroup,
    config: ResolvedConfig,
    scale: ChildScale,
    logger: Logger,
  ): Promise<ChildrenOutcome> {
    const children = this.desired(group, config, scale);
    const outcome: ChildrenOutcome = { failures: [], dropped: [] };
    const attempt = async (kind: ChildKindEntry, write: () => Promise<unknown>): Promise<void> => {
      try {
        await write();
      } catch (error) {
        const failure = childFailure(kind, kind.name(group), error);
        logger.warn({ kind: failure.kind, name: failure.name, refused: failure.refused }, failure.message);
        outcome.failures.push(failure);
      }
    };
    // Wanted children are applied in the table's order; unwanted ones are deleted in reverse (the CronJob before
    // the RBAC it runs as). One refusal does not keep the others from being applied.
    for (const kind of CHILD_KINDS) {
      const child = kind.desired(children);
      if (child === undefined) continue;
      await attempt(kind, async () => {
        const { written, dropped: paths } = await this.cluster.apply(child);
        if (paths.length > 0) {
          outcome.dropped.push({ kind: kind.kind, name: kind.name(group), paths, justApplied: written });
        }
      });
    }
    for (const kind of [...CHILD_KINDS].reverse()) {
      if (kind.desired(children) === undefined)
        await attempt(kind, () => this.cluster.deleteChild(kind.kind, groupNamespace(group), kind.name(group)));
    }
    return outcome;
  }

  /** The group is gone: its built children go too. */
  forget(key: string): void {
    this.built.delete(key);
  }

  /**
   * The children of the group, built once per input and frozen: a quiet pass hands the applier the very objects it
   * compared last time, and it skips the comparison (see Applier.applyObject). The builders read the group's spec,
   * name, namespace and uid, so a new version that only changed the status (each status write makes one) keeps
   * them: the spec is known by its generation, which the API server moves on every change of it (by the spec itself
   * for an object that has none, which only tests make).
   */
  private desired(group: ComputeNodeGroup, config: ResolvedConfig, scale: ChildScale): DesiredChildren {
    const { uid, generation } = group.metadata;
    const spec = generation ?? JSON.stringify(group.spec);
    const { replicas, hpa } = scale;
    const inputs = JSON.stringify([uid, spec, replicas, hpa, config.cnConf.text, config.cnConf.ports]);
    const key = groupKey(group);
    const built = this.built.get(key);
    if (built?.inputs === inputs) return built.children;
    const children = deepFreeze(
      buildChildren({
        cng: group,
        ports: config.cnConf.ports,
        cnConfHash: group.spec.cnInfo.configMap === undefined ? undefined : hashCnConf(config.cnConf.text),
        replicas,
        hpa,
        settings: this.operator,
      }),
    );
    this.built.set(key, { inputs, children });
    return children;
  }
}

/** The StatefulSet's replicas, and the HPA's bounds or its pause (src/capacity), decided by the pass. */
export interface ChildScale {
  replicas: number;
  hpa?: HpaPlan | undefined;
}

/** The group's key in the work queue, `namespace/name`, which also keys the reconciler's memory of it. */
function groupKey(group: ComputeNodeGroup): string {
  return `${groupNamespace(group)}/${group.metadata.name}`;
}

/**
 * A child write that failed. Refused: the API server answered and will answer the same until the group changes
 * (invalid, forbidden, unknown kind); anything else (a timeout, a conflict, a server error) is transient.
 */
function childFailure(kind: ChildKindEntry, name: string, error: unknown): ChildFailure {
  const refused = statusOf(error) !== undefined && !isRetryable(error) && !isConflict(error);
  const verb = refused ? 'refused' : 'could not take';
  return {
    kind: kind.kind,
    name,
    refused,
    error,
    message: `the API server ${verb} ${kind.kind} ${name} (built from ${kind.source}): ${describeError(error)}`,
  };
}
