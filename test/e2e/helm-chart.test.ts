// The Helm chart and the plain manifests against the real API server: `helm template` output (default values, and
// single-namespace mode) and deploy/*.yaml in the seed's `kubectl apply -f` order, each through
// `kubectl apply --dry-run=server`, so admission (schema, RBAC escalation checks, CRD structural rules) judges them.
// Helm comes from hack/build-helm.sh; without it this test fails and says how to build it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, constants, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { kubectl, useNamespace, yamlObjects } from '@starrocks-cn-operator/testbed/control-plane';
import { REPO_ROOT } from '@starrocks-cn-operator/testbed/helpers';
import { LEADER_POD_LABEL } from '../../src/kube/leader-pod.js';
import { builtByScript, SEED_DEPLOY_ORDER } from '../support/e2e.js';

const run = promisify(execFile);
const CHART = path.join(REPO_ROOT, 'charts', 'starrocks-cn-operator');

function helmPath(): Promise<string> {
  return builtByScript('build-helm.sh', 'helm');
}

/** The Prometheus Operator's CRDs the monitoring objects need (hack/build-monitoring-crds.sh; hack/test.sh runs it). */
async function monitoringCrds(): Promise<string> {
  const script = path.join(REPO_ROOT, 'hack', 'build-monitoring-crds.sh');
  const { stdout } = await run('bash', [script, '--path'], { timeout: 10_000 });
  const dir = stdout.trim();
  try {
    await access(path.join(dir, 'monitoring.coreos.com_servicemonitors.yaml'), constants.R_OK);
  } catch {
    throw new Error(`the monitoring CRDs are not built (${dir}): run bash ${script} first (hack/test.sh does)`);
  }
  return dir;
}

async function dryRunApply(manifest: string, what: string): Promise<string[]> {
  const result = await kubectl(['apply', '--dry-run=server', '-o', 'name', '-f', '-'], { input: manifest });
  assert.equal(result.code, 0, `${what} was rejected by the API server:\n${result.stderr}`);
  return result.stdout.trim().split('\n').filter(Boolean);
}

function rulesOf(objects: Record<string, unknown>[], kind: string): unknown[] {
  return objects.filter((o) => o['kind'] === kind).map((o) => o['rules']);
}

function metadataOf(object: Record<string, unknown>): { name?: string; namespace?: string } {
  return object['metadata'] as { name?: string; namespace?: string };
}

function managerArgs(objects: Record<string, unknown>[]): string[] {
  const deployment = objects.find((o) => o['kind'] === 'Deployment');
  assert.ok(deployment, 'no Deployment rendered');
  const spec = deployment['spec'] as { template: { spec: { containers: { name: string; args: string[] }[] } } };
  const manager = spec.template.spec.containers.find((c) => c.name === 'manager');
  assert.ok(manager, 'no manager container rendered');
  return manager.args;
}

describe('Helm chart and deploy/ against the real API server', () => {
  // Looked up by each test rather than in before(): without helm every test then FAILS with the message (a failed
  // hook would only mark them cancelled).
  let helm: Promise<string> | undefined;
  let helmHome: string;
  let deployRules: unknown;

  before(async () => {
    // Helm writes caches and settings: keep them out of the user's home.
    helmHome = await mkdtemp(path.join(tmpdir(), 'helm-e2e-'));
    deployRules = (parse(await readFile(path.join(REPO_ROOT, 'deploy', 'role.yaml'), 'utf8')) as { rules: unknown })
      .rules;
  });
  after(async () => {
    await rm(helmHome, { recursive: true, force: true });
  });

  async function helmRun(args: string[]): Promise<string> {
    const env = {
      ...process.env,
      HELM_CACHE_HOME: path.join(helmHome, 'cache'),
      HELM_CONFIG_HOME: path.join(helmHome, 'config'),
      HELM_DATA_HOME: path.join(helmHome, 'data'),
    };
    helm ??= helmPath();
    const binary = await helm;
    try {
      const { stdout } = await run(binary, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    } catch (error) {
      const stderr = typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : '';
      throw new Error(`helm ${args.join(' ')} failed: ${stderr || String(error)}`, { cause: error });
    }
  }

  it('passes helm lint, with the defaults and with every optional piece on', async () => {
    assert.match(await helmRun(['lint', CHART]), /0 chart\(s\) failed/);
    const everything = [
      'customMetrics.enabled=true',
      'monitoring.serviceMonitor.enabled=true',
      'monitoring.prometheusRule.enabled=true',
      'monitoring.grafanaDashboard.enabled=true',
      'watchNamespaces={a,b}',
    ];
    const out = await helmRun(['lint', CHART, ...everything.flatMap((value) => ['--set', value])]);
    assert.match(out, /0 chart\(s\) failed/);
  });

  it('renders with default values into objects the API server accepts, cluster-wide', async (t) => {
    const namespace = await useNamespace(t, 'helm-default');
    const manifest = await helmRun(['template', 'cn', CHART, '--namespace', namespace]);
    const objects = yamlObjects(manifest);
    const applied = await dryRunApply(manifest, 'helm template (default values)');
    assert.equal(applied.length, objects.length);
    assert.deepEqual(objects.map((o) => o['kind']).sort(), [
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'Deployment',
      'Role',
      'RoleBinding',
      'ServiceAccount',
    ]);
    assert.deepEqual(rulesOf(objects, 'ClusterRole'), [deployRules]);
    const args = managerArgs(objects);
    assert.ok(args.includes('--leader-elect'), args.join(' '));
    assert.ok(args.includes(`--leader-election-namespace=${namespace}`), args.join(' '));
    assert.ok(!args.some((a) => a.startsWith('--watch-namespace')), args.join(' '));
    const crd = objects.find((o) => o['kind'] === 'CustomResourceDefinition');
    assert.deepEqual((crd?.['metadata'] as { annotations?: unknown }).annotations, {
      'helm.sh/resource-policy': 'keep',
    });
    for (const object of objects.filter(
      (o) => !['CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(String(o['kind'])),
    )) {
      assert.equal(metadataOf(object).namespace, namespace, `${String(object['kind'])} not in the release namespace`);
    }
  });

  it('renders single-namespace mode: a Role per watched namespace, nothing cluster-wide but the CRD', async (t) => {
    const release = await useNamespace(t, 'helm-ns-release');
    const watched = [await useNamespace(t, 'helm-ns-a'), await useNamespace(t, 'helm-ns-b')];
    const manifest = await helmRun([
      'template',
      'cn',
      CHART,
      '--namespace',
      release,
      '--set',
      `watchNamespaces={${watched.join(',')}}`,
      '--set',
      'image.tag=9.9.9',
    ]);
    const objects = yamlObjects(manifest);
    await dryRunApply(manifest, 'helm template (watchNamespaces)');
    const kinds = objects.map((o) => o['kind']);
    assert.ok(!kinds.includes('ClusterRole') && !kinds.includes('ClusterRoleBinding'), kinds.join(', '));
    const managerRoles = objects.filter(
      (o) => o['kind'] === 'Role' && metadataOf(o).name === 'cn-starrocks-cn-operator-manager',
    );
    assert.deepEqual(managerRoles.map((o) => metadataOf(o).namespace).sort(), [...watched].sort());
    for (const role of managerRoles) assert.deepEqual(role['rules'], deployRules);
    const bindings = objects.filter(
      (o) => o['kind'] === 'RoleBinding' && watched.includes(metadataOf(o).namespace ?? ''),
    );
    assert.equal(bindings.length, 2);
    assert.ok(managerArgs(objects).includes(`--watch-namespace=${watched.join(',')}`), managerArgs(objects).join(' '));
    const deployment = JSON.stringify(objects.find((o) => o['kind'] === 'Deployment'));
    assert.equal(deployment.match(/starrocks-cn-operator:9\.9\.9/g)?.length, 2, 'image and OPERATOR_IMAGE');
  });

  it('renders the optional custom metrics API: its Service, a generated certificate, the rules of deploy/custom-metrics, the flags', async (t) => {
    const namespace = await useNamespace(t, 'helm-custom-metrics');
    const manifest = await helmRun([
      'template',
      'cn',
      CHART,
      '--namespace',
      namespace,
      '--set',
      'customMetrics.enabled=true',
      '--set',
      'crds.install=false',
      '--set',
      'replicas=2',
    ]);
    const objects = yamlObjects(manifest);
    await dryRunApply(manifest, 'helm template (customMetrics.enabled, 2 replicas)');
    // Two replicas: the Service selects the leader's pod alone (src/kube/leader-pod.ts labels it).
    const service = objects.find((o) => o['kind'] === 'Service' && metadataOf(o).name?.endsWith('custom-metrics'));
    const selector = (service?.['spec'] as { selector?: Record<string, string> } | undefined)?.selector;
    assert.equal(selector?.[LEADER_POD_LABEL], 'cn-operator.starrocks.com', JSON.stringify(selector));
    await assert.rejects(
      helmRun([
        'template',
        'cn',
        CHART,
        '--set',
        'customMetrics.enabled=true',
        '--set',
        `leaderElection.id=${'x'.repeat(64)}`,
      ]),
      /needs a leaderElection.id that is a label value/,
    );
    await assert.rejects(
      helmRun(['template', 'cn', CHART, '--set', 'replicas=2', '--set', 'leaderElection.enabled=false']),
      /replicas above 1 need leaderElection.enabled/,
    );
    const deployRbac = yamlObjects(await readFile(path.join(REPO_ROOT, 'deploy/custom-metrics/rbac.yaml'), 'utf8'));
    const roleRefs = (list: Record<string, unknown>[]) =>
      list
        .filter((o) => String(o['kind']).endsWith('Binding'))
        .map((o) => (o['roleRef'] as { name: string }).name.replace(/^cn-starrocks-cn-operator-/, 'cn-'))
        .sort();
    const chartRefs = roleRefs(objects.filter((o) => metadataOf(o).name?.includes('custom-metrics')));
    assert.deepEqual(chartRefs, roleRefs(deployRbac));
    const clusterRoleRules = (list: Record<string, unknown>[]) =>
      list
        .filter((o) => o['kind'] === 'ClusterRole' && metadataOf(o).name?.includes('custom-metrics'))
        .map((o) => ({ name: metadataOf(o).name?.replace(/^cn-starrocks-cn-operator-/, 'cn-'), rules: o['rules'] }))
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    assert.deepEqual(clusterRoleRules(objects), clusterRoleRules(deployRbac));
    const apiService = objects.find((o) => o['kind'] === 'APIService');
    assert.deepEqual((apiService?.['spec'] as { service?: unknown } | undefined)?.service, {
      namespace,
      name: 'cn-starrocks-cn-operator-custom-metrics',
      port: 443,
    });
    const secret = objects.find((o) => o['kind'] === 'Secret');
    assert.deepEqual(Object.keys((secret?.['data'] as object | undefined) ?? {}).sort(), [
      'ca.crt',
      'tls.crt',
      'tls.key',
    ]);
    const args = managerArgs(objects);
    assert.ok(args.includes('--custom-metrics-bind-address=:6443'), args.join(' '));
    assert.ok(
      args.includes(`--custom-metrics-service=${namespace}/cn-starrocks-cn-operator-custom-metrics`),
      args.join(' '),
    );
  });

  it('renders the optional monitoring pieces (ServiceMonitor, PrometheusRule, dashboard) into objects the API server accepts', async (t) => {
    const namespace = await useNamespace(t, 'helm-monitoring');
    const crds = await monitoringCrds();
    const installed = await kubectl(['apply', '-f', crds]);
    assert.equal(installed.code, 0, installed.stderr);
    t.after(async () => {
      await kubectl(['delete', '-f', crds, '--wait=false']);
    });
    const established = await kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/servicemonitors.monitoring.coreos.com',
      'crd/prometheusrules.monitoring.coreos.com',
    ]);
    assert.equal(established.code, 0, established.stderr);

    const manifest = await helmRun([
      'template',
      'cn',
      CHART,
      '--namespace',
      namespace,
      '--set',
      'crds.install=false',
      '--set',
      'monitoring.serviceMonitor.enabled=true',
      '--set',
      'monitoring.serviceMonitor.labels.release=prometheus',
      '--set',
      'monitoring.prometheusRule.enabled=true',
      '--set',
      'monitoring.grafanaDashboard.enabled=true',
      '--set',
      'leaderElection.id=cn-lease',
    ]);
    const objects = yamlObjects(manifest);
    const applied = await dryRunApply(manifest, 'helm template (monitoring.*.enabled)');
    assert.equal(applied.length, objects.length);

    const monitor = objects.find((o) => o['kind'] === 'ServiceMonitor');
    assert.equal((monitor?.['metadata'] as { labels?: Record<string, string> }).labels?.['release'], 'prometheus');
    const service = objects.find((o) => o['kind'] === 'Service' && metadataOf(o).name?.endsWith('-metrics'));
    assert.ok(service, 'a metrics Service for the ServiceMonitor');

    // The rules are deploy/monitoring/alerts.yaml's, with this release's Lease name.
    const rule = objects.find((o) => o['kind'] === 'PrometheusRule');
    const plain = parse(await readFile(path.join(REPO_ROOT, 'deploy/monitoring/alerts.yaml'), 'utf8')) as unknown;
    const expected = JSON.parse(JSON.stringify(plain).replaceAll('cn-operator.starrocks.com', 'cn-lease')) as unknown;
    assert.deepEqual(rule?.['spec'], expected);

    const dashboard = objects.find((o) => o['kind'] === 'ConfigMap' && metadataOf(o).name?.endsWith('-dashboard'));
    const json = (dashboard?.['data'] as Record<string, string> | undefined)?.['starrocks-cn-operator.json'] ?? '';
    assert.deepEqual(
      JSON.parse(json),
      JSON.parse(await readFile(path.join(REPO_ROOT, 'deploy/monitoring/grafana-dashboard.json'), 'utf8')),
    );
  });

  it('renders no monitoring object by default', async () => {
    const objects = yamlObjects(await helmRun(['template', 'cn', CHART]));
    const kinds = objects.map((o) => o['kind']);
    assert.ok(!kinds.includes('ServiceMonitor') && !kinds.includes('PrometheusRule'), kinds.join(', '));
    assert.ok(!objects.some((o) => metadataOf(o).name?.endsWith('-dashboard')));
  });

  it("applies deploy/*.yaml in the seed's order", async (t) => {
    // A server-side dry run creates nothing, so the namespace of namespace.yaml must exist for the objects that
    // follow it: dry-run namespace.yaml, then create it for real if missing (and delete it again if created here).
    const exists = (await kubectl(['get', 'namespace', 'starrocks', '-o', 'name'])).code === 0;
    for (const file of SEED_DEPLOY_ORDER) {
      const manifest = await readFile(path.join(REPO_ROOT, 'deploy', file), 'utf8');
      const applied = await dryRunApply(manifest, `deploy/${file}`);
      assert.equal(applied.length, yamlObjects(manifest).length, `deploy/${file}: ${applied.join(', ')}`);
      if (file === 'namespace.yaml' && !exists) {
        const created = await kubectl(['create', 'namespace', 'starrocks']);
        assert.equal(created.code, 0, created.stderr);
        t.after(async () => {
          await kubectl(['delete', 'namespace', 'starrocks', '--wait=false']);
        });
      }
    }
  });
});
