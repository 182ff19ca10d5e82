// The Helm chart installs what deploy/ installs: the same RBAC rules, the same manager defaults and the same CRD
// (plus the keep policy). Read from the YAML files themselves, so an edit on one side only fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { CHART_CRD_FILE, CRD_FILE } from '../../../src/api/v1alpha1/generated.js';
import { LEADER_POD_LABEL } from '../../../src/kube/leader-pod.js';
import { DEFAULT_LEADER_ELECTION_ID } from '../../../src/runtime/flags.js';
import {
  CHART_CUSTOM_METRICS_RBAC_FILE,
  CHART_LEADER_ELECTION_RBAC_FILE,
  CHART_MANAGER_RBAC_FILE,
  CUSTOM_METRICS_RBAC_FILE,
  LEADER_ELECTION_ROLE_FILE,
  ROLE_FILE,
} from '../../../src/rbac/files.js';

const repoRoot = new URL('../../../', import.meta.url);
const chartDir = 'charts/starrocks-cn-operator/';

function readYaml(path: string): unknown {
  return parse(readFileSync(new URL(path, repoRoot), 'utf8'));
}

function record(value: unknown, what: string): Record<string, unknown> {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${what} is not a mapping`);
  return value as Record<string, unknown>;
}

function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) current = record(current, path)[key];
  return current;
}

function yamlDocuments(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as unknown)
    .filter((value) => value !== null)
    .map((value) => record(value, 'a YAML document'));
}

/**
 * The objects of an RBAC template without Helm: the control lines (`{{- if }}`, `{{- range }}`, the comment) go and
 * every expression becomes `X`, which leaves the rules as written and the names as `X-<suffix>`. Both branches of an
 * `if` are kept.
 */
function templateObjects(path: string): Record<string, unknown>[] {
  const text = readFileSync(new URL(path, repoRoot), 'utf8').replace(/\{\{- \/\*[\s\S]*?\*\/ -\}\}\n/, '');
  const lines = text.split('\n').filter((line) => !/^\s*\{\{-/.test(line));
  return yamlDocuments(lines.join('\n').replace(/\{\{[^}]*\}\}/g, 'X'));
}

/** kind/name → rules (roles) or roleRef (bindings), the names without their prefix (`cn-`, the release's `X-`). */
function rbacSummary(objects: readonly Record<string, unknown>[]): Map<string, unknown> {
  const summary = new Map<string, unknown>();
  for (const object of objects) {
    const name = String(at(object, 'metadata.name')).replace(/^(cn|X)-/, '');
    const roleRef = object['roleRef'] as { kind: string; name: string } | undefined;
    const what = roleRef ? { ...roleRef, name: roleRef.name.replace(/^(cn|X)-/, '') } : object['rules'];
    summary.set(`${String(object['kind'])}/${name}`, what);
  }
  return summary;
}

interface Container {
  name: string;
  image: string;
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  ports: { name: string; containerPort: number }[];
  resources: unknown;
  securityContext: unknown;
}

function deployManager(): { spec: Record<string, unknown>; container: Container } {
  const deployment = readYaml('deploy/manager.yaml');
  const containers = at(deployment, 'spec.template.spec.containers') as Container[];
  const container = containers.find((c) => c.name === 'manager');
  assert.ok(container, 'deploy/manager.yaml has no container "manager"');
  return { spec: record(at(deployment, 'spec'), 'spec'), container };
}

const values = record(readYaml(`${chartDir}values.yaml`), 'values.yaml');
const chart = record(readYaml(`${chartDir}Chart.yaml`), 'Chart.yaml');

describe('Helm chart against deploy/', () => {
  it('grants the operator exactly the rules of deploy/role.yaml, cluster-wide or in each watched namespace', () => {
    const deployRules = at(readYaml(ROLE_FILE), 'rules');
    assert.ok(Array.isArray(deployRules) && deployRules.length > 0, 'deploy/role.yaml has no rules');
    const roles = templateObjects(CHART_MANAGER_RBAC_FILE).filter((o) => String(o['kind']).endsWith('Role'));
    assert.deepEqual(
      roles.map((o) => o['kind']),
      ['ClusterRole', 'Role'],
    );
    for (const role of roles) assert.deepEqual(role['rules'], deployRules);
  });

  it('grants leader election exactly the rules of deploy/leader_election_role.yaml', () => {
    const roles = templateObjects(CHART_LEADER_ELECTION_RBAC_FILE).filter((o) => o['kind'] === 'Role');
    assert.equal(roles.length, 1);
    assert.deepEqual(roles[0]?.['rules'], at(readYaml(LEADER_ELECTION_ROLE_FILE), 'rules'));
  });

  it('grants the custom metrics API the roles and bindings of deploy/custom-metrics/rbac.yaml', () => {
    const deploy = yamlDocuments(readFileSync(new URL(CUSTOM_METRICS_RBAC_FILE, repoRoot), 'utf8'));
    const summary = rbacSummary(deploy);
    assert.equal(summary.size, 5);
    assert.deepEqual(rbacSummary(templateObjects(CHART_CUSTOM_METRICS_RBAC_FILE)), summary);
  });

  it('defaults to the image of deploy/manager.yaml, at the version of the package', () => {
    const { container } = deployManager();
    const tag = (at(values, 'image.tag') as string) || String(chart['appVersion']);
    assert.equal(`${String(at(values, 'image.repository'))}:${tag}`, container.image);
    const operatorImage = container.env.find((e) => e.name === 'OPERATOR_IMAGE');
    assert.equal(operatorImage?.value, container.image, 'deploy/manager.yaml: OPERATOR_IMAGE is not its own image');
    const pkg = record(JSON.parse(readFileSync(new URL('package.json', repoRoot), 'utf8')), 'package.json');
    assert.equal(chart['appVersion'], pkg['version']);
    assert.equal(chart['version'], '0.1.0');
  });

  it('defaults to the resources, security contexts, ports and replicas of deploy/manager.yaml', () => {
    const { spec, container } = deployManager();
    assert.deepEqual(values['resources'], container.resources);
    assert.deepEqual(values['securityContext'], container.securityContext);
    assert.deepEqual(values['podSecurityContext'], at(spec, 'template.spec.securityContext'));
    assert.equal(at(values, 'podSecurityContext.runAsUser'), 65532);
    assert.equal(values['replicas'], spec['replicas']);
    assert.equal(values['terminationGracePeriodSeconds'], at(spec, 'template.spec.terminationGracePeriodSeconds'));
    const port = (name: string): number | undefined => container.ports.find((p) => p.name === name)?.containerPort;
    assert.equal(at(values, 'metrics.port'), port('metrics'));
    assert.equal(at(values, 'probes.port'), port('probes'));
    assert.ok(container.args.includes(`--metrics-bind-address=:${String(port('metrics'))}`));
    assert.ok(container.args.includes(`--health-probe-bind-address=:${String(port('probes'))}`));
    assert.equal(at(values, 'leaderElection.enabled'), container.args.includes('--leader-elect'));
  });

  it("routes the custom metrics API to the leader's pod alone, which the manager can name", () => {
    const selector = record(at(readYaml('deploy/custom-metrics/service.yaml'), 'spec.selector'), 'selector');
    // deploy/manager.yaml keeps the default Lease name, which is the label's value.
    assert.ok(!deployManager().container.args.some((arg) => arg.startsWith('--leader-election-id')));
    assert.equal(selector[LEADER_POD_LABEL], DEFAULT_LEADER_ELECTION_ID, 'deploy/: the Service selects every replica');
    const chartService = readFileSync(new URL(`${chartDir}templates/custom-metrics.yaml`, repoRoot), 'utf8');
    assert.ok(
      chartService.includes(`    ${LEADER_POD_LABEL}: {{ .Values.leaderElection.id | quote }}\n`),
      'the chart: the Service selects every replica',
    );
    const fieldOf = (env: Container['env'], name: string): unknown =>
      at(env.find((e) => e.name === name)?.valueFrom, 'fieldRef.fieldPath');
    const { container } = deployManager();
    assert.equal(fieldOf(container.env, 'POD_NAME'), 'metadata.name');
    assert.equal(fieldOf(container.env, 'POD_NAMESPACE'), 'metadata.namespace');
    const chartDeployment = readFileSync(new URL(`${chartDir}templates/deployment.yaml`, repoRoot), 'utf8');
    assert.match(chartDeployment, /- name: POD_NAME\n\s+valueFrom:\n\s+fieldRef:\n\s+fieldPath: metadata\.name\n/);
    assert.match(
      chartDeployment,
      /- name: POD_NAMESPACE\n\s+valueFrom:\n\s+fieldRef:\n\s+fieldPath: metadata\.namespace\n/,
    );
  });

  it('watches every namespace by default, as deploy/ does with its ClusterRole', () => {
    assert.deepEqual(values['watchNamespaces'], []);
    assert.equal(at(readYaml('deploy/role.yaml'), 'kind'), 'ClusterRole');
  });

  it('carries the CRD of deploy/, kept on uninstall', () => {
    const text = readFileSync(new URL(CHART_CRD_FILE, repoRoot), 'utf8');
    const lines = text.split('\n');
    // The template wraps the CRD in one `if`: the first non-comment line opens it, the last closes it.
    const body = lines.filter((line) => !line.startsWith('{{'));
    assert.deepEqual(
      lines.filter((line) => line.startsWith('{{')),
      ['{{- if .Values.crds.install }}', '{{- end }}'],
    );
    const chartCrd = record(parse(body.join('\n')), 'chart CRD');
    const deployCrd = record(readYaml(CRD_FILE), 'deploy CRD');
    const metadata = record(chartCrd['metadata'], 'metadata');
    assert.deepEqual(metadata['annotations'], { 'helm.sh/resource-policy': 'keep' });
    delete metadata['annotations'];
    assert.deepEqual(chartCrd, deployCrd);
    assert.equal(at(values, 'crds.install'), true);
  });
});
