import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseComputeNodeGroup } from '../../../src/api/v1alpha1/index.js';
import { parseCnConf } from '../../../src/cnconf/index.js';

const examples = new URL('../../../examples/', import.meta.url);

function yamlFiles(dir: URL): URL[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return yamlFiles(new URL(`${entry.name}/`, dir));
    return /\.ya?ml$/.test(entry.name) ? [new URL(entry.name, dir)] : [];
  });
}

function documents(file: URL): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((document) => {
    assert.deepEqual(document.errors, [], `${file.pathname}: YAML errors`);
    return document.toJS() as unknown;
  });
}

function kindOf(document: unknown): unknown {
  return typeof document === 'object' && document !== null ? (document as { kind?: unknown }).kind : undefined;
}

describe('examples', () => {
  it('include the 2022 files and the seed group', () => {
    const names = readdirSync(new URL('cn/', examples));
    for (const name of ['fe-account.yaml', 'cn-config.yaml', 'cn.yaml', 'seed-cn.yaml'])
      assert.ok(names.includes(name), name);
  });

  for (const file of yamlFiles(examples)) {
    const relative = file.pathname.slice(examples.pathname.length);
    it(`${relative} validates unchanged`, () => {
      const found = documents(file);
      assert.ok(found.length > 0);
      for (const document of found) {
        const kind = kindOf(document);
        assert.ok(typeof kind === 'string', `${relative}: a document without kind`);
        if (kind === 'ComputeNodeGroup') {
          const result = parseComputeNodeGroup(document);
          assert.ok(result.ok, `${relative}: ${JSON.stringify(result.ok ? [] : result.errors)}`);
        }
        if (kind === 'ConfigMap') {
          const text = (document as { data?: Record<string, string> }).data?.['cn.conf'];
          if (text !== undefined) assert.ok(parseCnConf(text).ok, `${relative}: cn.conf`);
        }
      }
    });
  }

  it("the seed group keeps the guide's autoscaling policy", () => {
    const [document] = documents(new URL('cn/seed-cn.yaml', examples));
    const result = parseComputeNodeGroup(document);
    assert.ok(result.ok);
    const policy = result.value.spec.autoScalingPolicy;
    assert.ok(policy?.hpaPolicy);
    assert.equal(policy.maxReplicas, 10);
    assert.equal(policy.minReplicas, 1);
    assert.deepEqual(policy.hpaPolicy.behavior, {
      scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 10 }] },
      scaleDown: { selectPolicy: 'Disabled' },
    });
    assert.deepEqual(
      policy.hpaPolicy.metrics?.map((metric) => metric.resource?.name),
      ['memory', 'cpu'],
    );
  });
});
