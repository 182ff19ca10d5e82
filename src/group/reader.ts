// What `offline` and `cngctl status` read of one group through the API server: the group, its CN pods, its FE
// account Secret and its cn.conf ConfigMap. One port (GroupReader), one implementation over the project's REST client
// (the same client, kubeconfig loading and errors as the manager), and one sequence of reads with every call bounded.
import { GROUP, PLURAL, VERSION, parseComputeNodeGroup, type ComputeNodeGroup } from '../api/v1alpha1/index.js';
import { labelSelectorString } from '../builders/names.js';
import { describeError, isNotFound } from '../kube/errors.js';
import { isRecord } from '../util/guards.js';
import type { KubeRest } from '../kube/rest.js';
import { TimeoutError, withTimeout } from '../runtime/timeout.js';

/** Reads of one namespace's objects; undefined for an object that does not exist. */
export interface GroupReader {
  getGroup(namespace: string, name: string): Promise<unknown>;
  listPods(namespace: string, labelSelector: string): Promise<unknown[]>;
  getSecret(namespace: string, name: string): Promise<unknown>;
  getConfigMap(namespace: string, name: string): Promise<unknown>;
}

/** The GroupReader over KubeRest: plain JSON, each request bounded by `timeoutMs`. */
export function restGroupReader(rest: Pick<KubeRest, 'request'>, timeoutMs: number): GroupReader {
  const ns = (namespace: string): string => `/namespaces/${encodeURIComponent(namespace)}`;
  const getOrUndefined = async (path: string): Promise<unknown> => {
    try {
      return await rest.request({ method: 'GET', path, timeoutMs });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  return {
    getGroup: (namespace, name) =>
      getOrUndefined(`/apis/${GROUP}/${VERSION}${ns(namespace)}/${PLURAL}/${encodeURIComponent(name)}`),
    getSecret: (namespace, name) => getOrUndefined(`/api/v1${ns(namespace)}/secrets/${encodeURIComponent(name)}`),
    getConfigMap: (namespace, name) => getOrUndefined(`/api/v1${ns(namespace)}/configmaps/${encodeURIComponent(name)}`),
    listPods: async (namespace, labelSelector) => {
      const list = await rest.request({
        method: 'GET',
        path: `/api/v1${ns(namespace)}/pods`,
        query: { labelSelector },
        timeoutMs,
      });
      const items = isRecord(list) ? list['items'] : undefined;
      if (!Array.isArray(items)) throw new Error(`listing pods in ${namespace}: the answer has no items`);
      return items as unknown[];
    },
  };
}

export interface GroupObjects {
  group: ComputeNodeGroup;
  /** Raw pods carrying the group's selector labels. */
  pods: unknown[];
  /** undefined when it does not exist (resolveConfig says what to do). */
  secret: unknown;
  configMap: unknown;
}

export type GroupRead =
  { ok: true; value: GroupObjects } | { ok: false; failure: 'NotFound' | 'Invalid' | 'ReadFailed'; message: string };

/**
 * Reads the group, then its Secret, ConfigMap and pods, each call bounded by `timeoutMs` whatever the reader does.
 * Never throws: a missing or invalid group and a failed read become a message naming the object.
 */
export async function readGroupObjects(
  reader: GroupReader,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<GroupRead> {
  const what = `ComputeNodeGroup ${namespace}/${name}`;
  const step = async <T>(object: string, read: () => Promise<T>): Promise<T> => {
    try {
      return await withTimeout(read(), timeoutMs, `reading ${object}`);
    } catch (error) {
      if (error instanceof TimeoutError) throw new ReadFailed(error.message);
      throw new ReadFailed(`reading ${object} failed: ${describeError(error)}`);
    }
  };
  try {
    const raw = await step(what, () => reader.getGroup(namespace, name));
    if (raw === undefined) return { ok: false, failure: 'NotFound', message: `${what} not found` };
    const parsed = parseComputeNodeGroup(raw);
    if (!parsed.ok) {
      const detail = parsed.errors.map((error) => `${error.path}: ${error.message}`).join('; ');
      return { ok: false, failure: 'Invalid', message: `${what} is not valid: ${detail}` };
    }
    const group = parsed.value;
    const secretName = group.spec.feInfo.accountSecret;
    const secret = await step(`Secret ${namespace}/${secretName}`, () => reader.getSecret(namespace, secretName));
    const configMapName = group.spec.cnInfo.configMap;
    const configMap =
      configMapName === undefined
        ? undefined
        : await step(`ConfigMap ${namespace}/${configMapName}`, () => reader.getConfigMap(namespace, configMapName));
    const selector = labelSelectorString(group);
    const pods = await step(`the pods of ${what} (${selector})`, () => reader.listPods(namespace, selector));
    return { ok: true, value: { group, pods, secret, configMap } };
  } catch (error) {
    if (error instanceof ReadFailed) return { ok: false, failure: 'ReadFailed', message: error.message };
    throw error;
  }
}

class ReadFailed extends Error {
  override readonly name = 'ReadFailed';
}
