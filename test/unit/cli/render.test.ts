import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { parseAllDocuments } from 'yaml';
import { buildProgram } from '../../../src/cli/program.js';
import { renderMain, renderManifests, type RenderSource } from '../../../src/cli/render.js';

const examples = new URL('../../../examples/cn/', import.meta.url);
const settings = { operatorImage: 'op:1' };

function source(file: string): RenderSource {
  return { name: file, text: readFileSync(new URL(file, examples), 'utf8') };
}

type Json = Record<string, unknown>;

function documents(text: string): Json[] {
  return parseAllDocuments(text).map((document) => document.toJS() as Json);
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const groupText = (spec: string) => `apiVersion: starrocks.com/v1alpha1
kind: ComputeNodeGroup
metadata:
  name: g
spec:
  feInfo:
    accountSecret: acct
    addresses: ["10.0.0.1:9030"]
  images:
    cnImage: cn:1
${spec}`;

describe('render', () => {
  it("renders the seed example with its ConfigMap (the issue's done criterion)", () => {
    const out = capture();
    const err = capture();
    const code = renderMain(
      {
        filename: new URL('cn.yaml', examples).pathname,
        config: new URL('cn-config.yaml', examples).pathname,
        operatorImage: 'op:1',
      },
      out.stream,
      err.stream,
    );
    assert.equal(code, 0, err.text());
    assert.equal(err.text(), '');
    const rendered = documents(out.text());
    const kinds = rendered.map((document) => document['kind']);
    assert.deepEqual(kinds, [
      'Service',
      'StatefulSet',
      'PodDisruptionBudget',
      'HorizontalPodAutoscaler',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'CronJob',
    ]);
    const statefulSet = rendered[1] as { spec: { template: { spec: { containers: { name: string }[] } } } };
    assert.deepEqual(
      statefulSet.spec.template.spec.containers.map((c) => c.name),
      ['cn', 'register'],
    );
    const service = rendered[0] as { spec: { clusterIP: string } };
    assert.equal(service.spec.clusterIP, 'None');
    const hpa = rendered[3] as {
      spec: {
        scaleTargetRef: { kind: string };
        minReplicas: number;
        maxReplicas: number;
        metrics: { containerResource: { name: string; container: string } }[];
        behavior: { scaleDown: { selectPolicy: string } };
      };
    };
    assert.equal(hpa.spec.scaleTargetRef.kind, 'ComputeNodeGroup');
    assert.equal(hpa.spec.minReplicas, 1);
    assert.equal(hpa.spec.maxReplicas, 10);
    assert.deepEqual(
      hpa.spec.metrics.map((metric) => `${metric.containerResource.container}:${metric.containerResource.name}`),
      ['cn:memory', 'cn:cpu'],
    );
    assert.equal(hpa.spec.behavior.scaleDown.selectPolicy, 'Disabled');
  });

  it('shows the production fields of examples/cn/production.yaml: storage, retention, probes, rollout, autoscaling', () => {
    const out = capture();
    const err = capture();
    const file = new URL('production.yaml', examples).pathname;
    const code = renderMain({ filename: file, config: file, operatorImage: 'op:1' }, out.stream, err.stream);
    assert.equal(code, 0, err.text());
    const rendered = documents(out.text());
    const byKind = (kind: string): Json => {
      const found = rendered.find((document) => document['kind'] === kind);
      assert.ok(found, `no ${kind}`);
      return found;
    };
    const statefulSet = byKind('StatefulSet') as {
      spec: {
        minReadySeconds: number;
        volumeClaimTemplates: { spec: { storageClassName: string; resources: { requests: { storage: string } } } }[];
        persistentVolumeClaimRetentionPolicy: unknown;
        template: {
          spec: {
            containers: {
              name: string;
              startupProbe?: { periodSeconds: number; failureThreshold: number };
              volumeMounts?: { mountPath: string }[];
            }[];
          };
        };
      };
    };
    assert.equal(statefulSet.spec.minReadySeconds, 10);
    const [claim] = statefulSet.spec.volumeClaimTemplates;
    assert.ok(claim, 'a claim template');
    assert.equal(claim.spec.storageClassName, 'fast-ssd');
    assert.equal(claim.spec.resources.requests.storage, '500Gi');
    assert.deepEqual(statefulSet.spec.persistentVolumeClaimRetentionPolicy, {
      whenScaled: 'Retain',
      whenDeleted: 'Delete',
    });
    const cn = statefulSet.spec.template.spec.containers.find((container) => container.name === 'cn');
    assert.equal((cn?.startupProbe?.periodSeconds ?? 0) * (cn?.startupProbe?.failureThreshold ?? 0), 1200);
    assert.ok(cn?.volumeMounts?.some((mount) => mount.mountPath === '/opt/starrocks/cn/storage'));
    const hpa = byKind('HorizontalPodAutoscaler') as {
      spec: { metrics: { type: string; containerResource?: { container: string } }[] };
    };
    assert.ok(
      hpa.spec.metrics.every((metric) => metric.type !== 'Resource'),
      'Resource metrics target the cn container',
    );
    assert.ok(hpa.spec.metrics.some((metric) => metric.containerResource?.container === 'cn'));
    const budget = byKind('PodDisruptionBudget') as { spec: { maxUnavailable: unknown } };
    assert.equal(budget.spec.maxUnavailable, '10%');
  });

  it('reports validation errors with the field path and fails', () => {
    const text = groupText('  replicas: -2\n  autoScalingPolicy:\n    maxReplicas: 2\n    minReplicas: 3\n');
    const result = renderManifests({ groups: { name: 'bad.yaml', text }, settings });
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.ok(result.errors.some((error) => error.startsWith('bad.yaml: g: spec.replicas: ')));
    assert.ok(result.errors.some((error) => error.startsWith('bad.yaml: g: spec.autoScalingPolicy.minReplicas: ')));
  });

  it('exits with status 1 and prints the errors, nothing on standard output', () => {
    const out = capture();
    const err = capture();
    const code = renderMain(
      { filename: new URL('fe-account.yaml', examples).pathname, operatorImage: 'op:1' },
      out.stream,
      err.stream,
    );
    assert.equal(code, 1);
    assert.equal(out.text(), '');
    assert.match(err.text(), /no ComputeNodeGroup found/);
  });

  it('names a missing file', () => {
    const err = capture();
    assert.equal(
      renderMain({ filename: 'does-not-exist.yaml', operatorImage: 'op:1' }, capture().stream, err.stream),
      1,
    );
    assert.match(err.text(), /does-not-exist\.yaml/);
  });

  it('reports YAML syntax errors with the line', () => {
    const result = renderManifests({ groups: { name: 'x.yaml', text: 'kind: [\n' }, settings });
    assert.ok(!result.ok);
    assert.match(result.errors[0] ?? '', /^x\.yaml:\d+: invalid YAML/);
  });

  it('takes ports and the config hash from the ConfigMap, also from the same file', () => {
    const conf =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\ndata:\n  cn.conf: |\n    be_http_port = 8141\n---\n';
    const result = renderManifests({
      groups: { name: 'g.yaml', text: conf + groupText('  cnInfo:\n    configMap: conf\n') },
      settings,
    });
    assert.ok(result.ok);
    assert.equal(result.warnings.length, 0);
    assert.match(result.yaml, /port: 8141/);
    assert.match(result.yaml, /starrocks\.com\/cn-conf-hash: [0-9a-f]{16}/);
  });

  it('accepts a bare cn.conf as --config, and rejects a bad one naming the line', () => {
    const groups = { name: 'g.yaml', text: groupText('  cnInfo:\n    configMap: conf\n') };
    const good = renderManifests({
      groups,
      config: { name: 'cn.conf', text: '# c\nheartbeat_service_port = 9151\n' },
      settings,
    });
    assert.ok(good.ok);
    assert.match(good.yaml, /value: "9151"/);
    const bad = renderManifests({
      groups,
      config: { name: 'cn.conf', text: 'heartbeat_service_port = 9151\nbroken\n' },
      settings,
    });
    assert.ok(!bad.ok);
    assert.match(bad.errors.join('\n'), /line 2/);
  });

  it('warns and uses the default ports when the ConfigMap is not given', () => {
    const result = renderManifests({ groups: source('cn.yaml'), settings });
    assert.ok(result.ok);
    assert.match(result.warnings.join('\n'), /ConfigMap cn-test not given/);
    assert.doesNotMatch(result.yaml, /cn-conf-hash/);
  });

  it('puts the operator image in register when componentsImage is absent', () => {
    const result = renderManifests({ groups: { name: 'g.yaml', text: groupText('') }, settings });
    assert.ok(result.ok);
    assert.match(result.yaml, /image: op:1/);
  });

  it('is a subcommand of the program, next to the others', async () => {
    const names = (await buildProgram(['node', 'cngctl'])).commands.map((command) => command.name());
    for (const name of ['render', 'status', 'manager', 'register', 'offline']) assert.ok(names.includes(name), name);
  });

  it('loads only the subcommand that runs', async () => {
    const names = (await buildProgram(['node', 'cngctl', 'register'])).commands.map((command) => command.name());
    assert.deepEqual(names, ['register']);
  });
});
