// An aggregated API served by a process of the test on loopback, registered the way the aggregator of the test
// control plane can reach it: an ExternalName Service to 127.0.0.1 (there is no kube-proxy) and the APIService with
// the process' port and CA. prometheus-adapter and KEDA (test/support) use it; the operator's own custom metrics API
// is registered by the operator itself.
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubectl } from '@starrocks-cn-operator/testbed/control-plane';
import { waitFor } from '@starrocks-cn-operator/testbed/helpers';
import { kubectlOrThrow } from './operator.js';

export interface LoopbackApi {
  /** The APIService's name, `<version>.<group>`. */
  apiService: string;
  group: string;
  version: string;
  service: { readonly name: string; readonly namespace: string };
  versionPriority: number;
}

/** The ExternalName Service to loopback and the APIService to `port`, its serving certificate signed by `caPem`. */
export async function registerLoopbackApi(api: LoopbackApi, port: number, caPem: string): Promise<void> {
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: api.service.name, namespace: api.service.namespace },
    spec: { type: 'ExternalName', externalName: '127.0.0.1' },
  };
  const apiService = {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: api.apiService },
    spec: {
      service: { name: api.service.name, namespace: api.service.namespace, port },
      group: api.group,
      version: api.version,
      caBundle: Buffer.from(caPem).toString('base64'),
      groupPriorityMinimum: 100,
      versionPriority: api.versionPriority,
    },
  };
  await kubectlOrThrow(['apply', '-f', '-'], JSON.stringify(service));
  await kubectlOrThrow(['apply', '-f', '-'], JSON.stringify(apiService));
}

/** The APIService first (a backend gone behind it leaves discovery partial), then its Service. */
export async function unregisterLoopbackApi(api: LoopbackApi): Promise<void> {
  await kubectl(['delete', 'apiservice', api.apiService, '--ignore-not-found']);
  await kubectl(['delete', 'service', api.service.name, '-n', api.service.namespace, '--ignore-not-found']);
}

/**
 * Waits (bounded) until the aggregator reports APIService `name` Available. `failure` names a reason to give up (a
 * backend process that exited), reported as the last error when the wait times out.
 */
export async function waitForApiServiceAvailable(
  name: string,
  options: { timeoutMs: number; failure?: () => string | undefined },
): Promise<void> {
  await waitFor(
    async () => {
      const failed = options.failure?.();
      if (failed !== undefined) throw new Error(failed);
      const result = await kubectl([
        'get',
        'apiservice',
        name,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Available")].status}',
      ]);
      return result.code === 0 && result.stdout.trim() === 'True';
    },
    { description: `APIService ${name} Available`, timeoutMs: options.timeoutMs },
  );
}

/** SIGTERM, then SIGKILL after `graceMs`; nothing when the process has already exited. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), sleep(graceMs, false, { ref: false })]);
  if (!stopped) child.kill('SIGKILL');
}
