// The Autoscaling condition: why the group's HorizontalPodAutoscaler scales or not, mirrored from the HPA's own
// conditions so `kubectl describe cng` says it, and the one mistake the operator can see before the HPA does: CPU
// utilization needs a CPU request on the CN container. Pure. It does not count towards Ready: a group whose HPA
// cannot scale still serves queries.
import { z } from 'zod';
import { ConditionType, mirroredReason, type ComputeNodeGroup } from '../../api/v1alpha1/index.js';
import { CN_CONTAINER } from '../../builders/settings.js';
import { hpaMetrics } from '../../builders/children.js';
import type { ConditionUpdate } from './conditions.js';

const hpaSchema = z.looseObject({
  status: z
    .looseObject({
      conditions: z
        .array(
          z.looseObject({
            type: z.string(),
            status: z.string(),
            reason: z.string().optional(),
            message: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

const metricSchema = z.looseObject({
  type: z.string(),
  resource: z.looseObject({ name: z.string(), target: z.looseObject({ type: z.string() }) }).optional(),
  containerResource: z
    .looseObject({ name: z.string(), container: z.string(), target: z.looseObject({ type: z.string() }) })
    .optional(),
});

/** undefined when the group has no autoscaling policy (and the condition goes away). */
export function autoscalingCondition(
  group: ComputeNodeGroup,
  hpa: unknown,
  options: { paused: boolean } = { paused: false },
): ConditionUpdate | undefined {
  if (group.spec.autoScalingPolicy === undefined) return undefined;
  const type = ConditionType.Autoscaling;
  if (options.paused) {
    const message = 'the group is suspended (or asked to be, see Suspended): its HPA comes back when it resumes';
    return { type, status: 'False', reason: 'Paused', message };
  }
  if (scalesOnCpuUtilization(group) && !hasCpuRequest(group)) {
    return {
      type,
      status: 'False',
      reason: 'MissingCPURequest',
      message:
        'the HPA scales on CPU utilization, which is measured against the CPU request: set ' +
        'spec.podPolicy.resources.requests.cpu',
    };
  }
  const parsed = hpaSchema.safeParse(hpa);
  const conditions = parsed.success ? (parsed.data.status?.conditions ?? []) : [];
  if (hpa === undefined || conditions.length === 0) {
    return { type, status: 'Unknown', reason: 'HPAPending', message: 'the HPA has not reported yet' };
  }
  // The first of the HPA's conditions that is not True says why it does not scale; ScalingLimited is True when a
  // bound holds it, which is worth saying too.
  const failing = ['AbleToScale', 'ScalingActive']
    .map((name) => conditions.find((condition) => condition.type === name))
    .find((condition) => condition !== undefined && condition.status !== 'True');
  if (failing !== undefined) {
    return {
      type,
      status: 'False',
      reason: mirroredReason(failing.reason ?? failing.type),
      message: `HPA ${failing.type}: ${failing.message ?? failing.status}`,
    };
  }
  const limited = conditions.find((condition) => condition.type === 'ScalingLimited' && condition.status === 'True');
  return {
    type,
    status: 'True',
    reason: limited?.reason === undefined ? 'Scaling' : mirroredReason(limited.reason),
    message: limited?.message ?? 'the HPA reads its metrics and can scale the group',
  };
}

/** The metrics the HPA gets (hpaMetrics, the builder's); without any, the HPA's default of 80% CPU utilization. */
function scalesOnCpuUtilization(group: ComputeNodeGroup): boolean {
  const policy = group.spec.autoScalingPolicy;
  if (policy === undefined) return false;
  const metrics = hpaMetrics(policy, group.metadata.name);
  if (metrics === undefined || metrics.length === 0) return true;
  return metrics.some((raw) => {
    const metric = metricSchema.safeParse(raw);
    if (!metric.success) return false;
    // Resource metrics (the whole pod, or turned into the cn container's by resourceMetrics: Container) and
    // ContainerResource metrics of the cn container both need the cn container's CPU request.
    const { type, resource, containerResource } = metric.data;
    const cpuOfCn =
      type === 'Resource'
        ? resource?.name === 'cpu' && resource.target.type === 'Utilization'
        : type === 'ContainerResource' &&
          containerResource?.container === CN_CONTAINER &&
          containerResource.name === 'cpu' &&
          containerResource.target.type === 'Utilization';
    return cpuOfCn;
  });
}

function hasCpuRequest(group: ComputeNodeGroup): boolean {
  const requests: unknown = group.spec.podPolicy.resources?.requests;
  return typeof requests === 'object' && requests !== null && 'cpu' in requests;
}
