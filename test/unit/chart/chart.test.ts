// The Helm chart installs what deploy/ installs: the same RBAC rules, the same manager defaults and the same CRD
// (plus the keep policy). Read from the YAML files themselves, so an edit on one side only fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CHART_CRD_FILE, CRD_FILE } from '../../../src/api/v1alpha1/generated.js';

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

interface Container {
  name: string;
  image: string;
  args: string[];
  env: { name: string; value: string }[];
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
  it('grants the operator exactly the rules of deploy/role.yaml', () => {
    const chartRules = at(readYaml(`${chartDir}files/manager-rules.yaml`), 'rules');
    const deployRules = at(readYaml('deploy/role.yaml'), 'rules');
    assert.ok(Array.isArray(deployRules) && deployRules.length > 0, 'deploy/role.yaml has no rules');
    assert.deepEqual(chartRules, deployRules);
  });

  it('grants leader election exactly the rules of deploy/leader_election_role.yaml', () => {
    assert.deepEqual(
      at(readYaml(`${chartDir}files/leader-election-rules.yaml`), 'rules'),
      at(readYaml('deploy/leader_election_role.yaml'), 'rules'),
    );
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
