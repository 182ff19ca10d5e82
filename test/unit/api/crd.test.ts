import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseComputeNodeGroup } from '../../../src/api/v1alpha1/index.js';
import {
  customResourceDefinition,
  openApiV3Schema,
  structuralViolations,
  type JsonSchema,
} from '../../../src/api/v1alpha1/crd.js';
import { CRD_FILE, generatedFiles } from '../../../src/api/v1alpha1/generated.js';

const repoRoot = new URL('../../../', import.meta.url);

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(node: JsonSchema, ...names: string[]): JsonSchema {
  let current = node;
  for (const name of names) {
    const next =
      name === '[]' ? current['items'] : isSchema(current['properties']) ? current['properties'][name] : undefined;
    assert.ok(isSchema(next), `no schema at ${names.join('.')}`);
    current = next;
  }
  return current;
}

/** Turns a CEL `self.matches('<re>')` rule back into a JS regular expression (RE2 syntax is a subset of JS's). */
function celRegex(rule: string): RegExp {
  const match = /^self\.matches\('((?:[^'\\]|\\.)*)'\)$/.exec(rule);
  assert.ok(match?.[1] !== undefined, `not a matches rule: ${rule}`);
  return new RegExp(match[1].replace(/\\(.)/g, '$1'));
}

describe('the CRD', () => {
  const root = openApiV3Schema();

  it('has a structural schema', () => {
    assert.deepEqual(structuralViolations(root), []);
  });

  it('reports what a structural schema forbids', () => {
    const bad = {
      type: 'object',
      properties: { a: { anyOf: [{ type: 'string' }] }, b: {} },
      additionalProperties: false,
    };
    const problems = structuralViolations(bad);
    assert.ok(problems.some((problem) => problem.startsWith('a: anyOf')));
    assert.ok(problems.some((problem) => problem.startsWith('b: no type')));
    assert.ok(problems.some((problem) => problem.includes('additionalProperties: false')));
  });

  it('is committed as generated (run npm run generate after changing the schema)', () => {
    for (const [path, content] of generatedFiles()) {
      assert.equal(readFileSync(new URL(path, repoRoot), 'utf8'), content, `${path} differs from the generated file`);
    }
  });

  it('declares the names, the scale and status subresources and the printer columns', () => {
    const crd = parse(readFileSync(new URL(CRD_FILE, repoRoot), 'utf8')) as JsonSchema;
    assert.deepEqual(crd, JSON.parse(JSON.stringify(customResourceDefinition())));
    const spec = crd['spec'] as { names: { shortNames: string[] }; scope: string; versions: JsonSchema[] };
    assert.deepEqual(spec.names.shortNames, ['cng']);
    assert.equal(spec.scope, 'Namespaced');
    const version = spec.versions[0] as {
      subresources: JsonSchema;
      additionalPrinterColumns: { name: string; jsonPath: string }[];
    };
    assert.deepEqual(version.subresources, {
      status: {},
      scale: {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.status.labelSelector',
      },
    });
    assert.deepEqual(
      version.additionalPrinterColumns.map((column) => column.name),
      ['Desired', 'Ready', 'Registered', 'Alive', 'Suspended', 'Age'],
    );
    for (const column of version.additionalPrinterColumns.filter((c) => c.jsonPath.startsWith('.status.'))) {
      const path = column.jsonPath.slice(1).split('.');
      at(root, ...path); // every column points at a field the status schema has
    }
  });

  it('gives every string and list a CEL rule reads a bound, so the API server accepts the rule cost', () => {
    const unbounded: string[] = [];
    const visit = (node: JsonSchema, path: string, inList: boolean, listBounded: boolean) => {
      if (Array.isArray(node['x-kubernetes-validations']) && node['type'] === 'string') {
        if (typeof node['maxLength'] !== 'number') unbounded.push(`${path}: string without maxLength`);
        if (inList && !listBounded) unbounded.push(`${path}: list without maxItems`);
      }
      if (isSchema(node['properties'])) {
        for (const [name, child] of Object.entries(node['properties'])) {
          if (isSchema(child)) visit(child, `${path}.${name}`, inList, listBounded);
        }
      }
      if (isSchema(node['items'])) visit(node['items'], `${path}[]`, true, typeof node['maxItems'] === 'number');
    };
    visit(root, '', false, false);
    assert.deepEqual(unbounded, []);
  });

  it('keeps the embedded Kubernetes types open and quantities int-or-string', () => {
    const podPolicy = at(root, 'spec', 'podPolicy');
    assert.equal(at(podPolicy, 'affinity')['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal(
      at(root, 'spec', 'autoScalingPolicy', 'hpaPolicy', 'metrics', '[]')['x-kubernetes-preserve-unknown-fields'],
      true,
    );
    const limits = at(podPolicy, 'resources', 'limits');
    assert.ok(isSchema(limits['additionalProperties']));
    assert.equal(limits['additionalProperties']['x-kubernetes-int-or-string'], true);
    assert.equal(at(root, 'spec', 'podDisruptionBudget', 'maxUnavailable')['x-kubernetes-int-or-string'], true);
  });

  it('rejects in CEL the addresses the runtime rejects, and accepts the ones it accepts', () => {
    const item = at(root, 'spec', 'feInfo', 'addresses', '[]');
    const rules = (item['x-kubernetes-validations'] as { rule: string }[]).map((rule) => celRegex(rule.rule));
    const celAccepts = (text: string) => rules.every((regex) => regex.test(text));
    const runtimeAccepts = (text: string) =>
      parseComputeNodeGroup({
        apiVersion: 'starrocks.com/v1alpha1',
        kind: 'ComputeNodeGroup',
        metadata: { name: 'x' },
        spec: { feInfo: { addresses: [text], accountSecret: 's' }, images: { cnImage: 'i' } },
      }).ok;
    const samples = [
      '10.0.0.1:9030',
      'fe.example.com:9030',
      '[fd00::1]:9030',
      'a:65535',
      'a:1',
      '10.0.0.1',
      '10.0.0.1:0',
      '10.0.0.1:65536',
      '10.0.0.1:09030',
      "10.0.0.1:9030'",
      '10.0.0.1:9030;',
      'fe"1:9030',
      'fe 1:9030',
      'fd00::1:9030',
      ':9030',
      '-fe:9030',
      '',
    ];
    for (const text of samples) assert.equal(celAccepts(text), runtimeAccepts(text), JSON.stringify(text));
  });

  it('checks minReplicas <= maxReplicas and the group name at admission', () => {
    const policy = at(root, 'spec', 'autoScalingPolicy');
    const rules = policy['x-kubernetes-validations'] as { rule: string; fieldPath?: string }[];
    assert.ok(
      rules.some(
        (rule) => rule.rule.includes('self.minReplicas <= self.maxReplicas') && rule.fieldPath === '.minReplicas',
      ),
    );
    const rootRules = root['x-kubernetes-validations'] as { rule: string }[];
    assert.ok(rootRules.some((rule) => rule.rule === 'size(self.metadata.name) <= 44'));
  });
});
