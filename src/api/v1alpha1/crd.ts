// Builds the CustomResourceDefinition from the zod schema. zod writes an OpenAPI 3.0 schema; Kubernetes wants a
// *structural* one (a type on every node, no $ref, anyOf only in the int-or-string form, no additionalProperties
// beside properties), so the output is rewritten below and then checked by `structuralViolations`.
import { z } from 'zod';
import { API_VERSION, CRD_NAME, GROUP, KIND, LIST_KIND, PLURAL, SHORT_NAME, SINGULAR, VERSION } from './constants.js';
import {
  INT_OR_STRING,
  PRESERVE_UNKNOWN_FIELDS,
  ROOT_VALIDATIONS,
  VALIDATIONS,
  computeNodeGroupSpecSchema,
  computeNodeGroupStatusSchema,
} from './schema.js';
import { isRecord } from '../../util/guards.js';

export type JsonSchema = { [key: string]: unknown };

function isSchema(value: unknown): value is JsonSchema {
  return isRecord(value);
}

/** OpenAPI schema of one part of the resource, as the API server accepts it. */
export function structuralSchemaOf(schema: z.ZodType): JsonSchema {
  const raw = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw' });
  return toStructural(raw);
}

/** Keys copied from zod's output unchanged (value validations, docs and Kubernetes extensions). */
const KEPT_KEYS = [
  'description',
  'type',
  'format',
  'enum',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'required',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
] as const;

function toStructural(node: JsonSchema): JsonSchema {
  if (node[INT_OR_STRING] === true) return intOrString(node);
  if (node[PRESERVE_UNKNOWN_FIELDS] === true) {
    // A verbatim Kubernetes object; the fields it declares (a container's name) stay typed for CEL rules.
    const out: JsonSchema = { type: 'object', [PRESERVE_UNKNOWN_FIELDS]: true };
    if (isSchema(node['properties'])) {
      const properties: JsonSchema = {};
      for (const [name, child] of Object.entries(node['properties'])) {
        if (isSchema(child)) properties[name] = toStructural(child);
      }
      out['properties'] = properties;
      if (Array.isArray(node['required'])) out['required'] = node['required'];
    }
    if (node[VALIDATIONS] !== undefined) out[VALIDATIONS] = node[VALIDATIONS];
    return withDescription(out, node);
  }
  for (const forbidden of ['$ref', 'anyOf', 'oneOf', 'allOf', 'not', 'nullable']) {
    if (forbidden in node) throw new Error(`schema node uses ${forbidden}, which a structural schema forbids`);
  }
  const out: JsonSchema = {};
  for (const key of KEPT_KEYS) {
    if (node[key] !== undefined) out[key] = node[key];
  }
  // zod bounds every integer by the safe-integer range; saying so in the CRD only adds noise.
  if (out['minimum'] === Number.MIN_SAFE_INTEGER) delete out['minimum'];
  if (out['maximum'] === Number.MAX_SAFE_INTEGER) delete out['maximum'];
  // Defaults of whole objects ({}) stay in the runtime parser: in the CRD they would make the API server store
  // every optional section of every group. Scalar defaults are kept so the stored object says what applies.
  if (node['default'] !== undefined && !isSchema(node['default'])) out['default'] = node['default'];
  if (isSchema(node['properties'])) {
    const properties: JsonSchema = {};
    for (const [name, child] of Object.entries(node['properties'])) {
      if (isSchema(child)) properties[name] = toStructural(child);
    }
    out['properties'] = properties;
  } else if (isSchema(node['additionalProperties'])) {
    out['additionalProperties'] = toStructural(node['additionalProperties']);
  }
  if (isSchema(node['items'])) out['items'] = toStructural(node['items']);
  return out;
}

/** `x-kubernetes-int-or-string` carries no type; the branch validations of zod's union move onto the node. */
function intOrString(node: JsonSchema): JsonSchema {
  const out: JsonSchema = { [INT_OR_STRING]: true };
  const branches = Array.isArray(node['anyOf']) ? (node['anyOf'] as unknown[]).filter(isSchema) : [];
  for (const branch of branches) {
    if (branch['type'] === 'string' && typeof branch['pattern'] === 'string') out['pattern'] = branch['pattern'];
    if (branch['type'] === 'string' && typeof branch['maxLength'] === 'number') out['maxLength'] = branch['maxLength'];
    if ((branch['type'] === 'integer' || branch['type'] === 'number') && typeof branch['minimum'] === 'number') {
      out['minimum'] = branch['minimum'];
    }
  }
  if (typeof node['pattern'] === 'string') out['pattern'] = node['pattern'];
  if (node['default'] !== undefined) out['default'] = node['default'];
  if (node[VALIDATIONS] !== undefined) out[VALIDATIONS] = node[VALIDATIONS];
  return withDescription(out, node);
}

function withDescription(out: JsonSchema, node: JsonSchema): JsonSchema {
  return typeof node['description'] === 'string' ? { description: node['description'], ...out } : out;
}

/**
 * The rules of a structural schema the API server enforces (apiextensions v1), as a list of `path: problem`.
 * Empty means the schema is structural.
 */
export function structuralViolations(node: JsonSchema, path = ''): string[] {
  const problems: string[] = [];
  const here = path === '' ? '(root)' : path;
  const special = node[INT_OR_STRING] === true || node[PRESERVE_UNKNOWN_FIELDS] === true;
  if (typeof node['type'] !== 'string' && !special) problems.push(`${here}: no type`);
  if (node[INT_OR_STRING] === true && 'type' in node) problems.push(`${here}: int-or-string must not have a type`);
  for (const forbidden of ['$ref', 'anyOf', 'oneOf', 'allOf', 'not', 'nullable', 'definitions', '$defs']) {
    if (forbidden in node) problems.push(`${here}: ${forbidden} is not allowed`);
  }
  if ('properties' in node && 'additionalProperties' in node) {
    problems.push(`${here}: properties and additionalProperties together`);
  }
  if (node['additionalProperties'] === false) problems.push(`${here}: additionalProperties: false`);
  if (node['type'] === 'array' && !isSchema(node['items'])) problems.push(`${here}: array without items`);
  if (isSchema(node['properties'])) {
    for (const [name, child] of Object.entries(node['properties'])) {
      if (isSchema(child)) problems.push(...structuralViolations(child, path === '' ? name : `${path}.${name}`));
    }
  }
  if (isSchema(node['additionalProperties'])) {
    problems.push(...structuralViolations(node['additionalProperties'], `${path}[*]`));
  }
  if (isSchema(node['items'])) problems.push(...structuralViolations(node['items'], `${path}[]`));
  return problems;
}

export const PRINTER_COLUMNS = [
  { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired number of CNs' },
  { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas', description: 'Ready CN pods' },
  {
    name: 'Registered',
    type: 'integer',
    jsonPath: '.status.registeredReplicas',
    description: 'CNs of this group listed by the FE',
  },
  { name: 'Alive', type: 'integer', jsonPath: '.status.servers.available', description: 'CNs alive in the FE' },
  {
    name: 'Suspended',
    type: 'string',
    jsonPath: '.status.suspension.suspendedBy',
    description: 'Why the group is suspended: Spec, Schedule or Idle (empty: running)',
  },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
] as const;

/** The root schema: the spec and status from zod, the name checks of the group as CEL. */
export function openApiV3Schema(): JsonSchema {
  return {
    description: `${KIND} runs a group of StarRocks compute nodes (CN) and keeps the FE's list of compute nodes equal to its pods.`,
    type: 'object',
    properties: {
      apiVersion: { type: 'string', description: `Always ${API_VERSION}.` },
      kind: { type: 'string', description: `Always ${KIND}.` },
      metadata: { type: 'object' },
      spec: structuralSchemaOf(computeNodeGroupSpecSchema),
      status: structuralSchemaOf(computeNodeGroupStatusSchema),
    },
    required: ['spec'],
    [VALIDATIONS]: ROOT_VALIDATIONS,
  };
}

export function customResourceDefinition(): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: CRD_NAME,
      labels: {
        'app.kubernetes.io/name': 'starrocks-cn-operator',
        'app.kubernetes.io/part-of': 'starrocks-cn-operator',
      },
    },
    spec: {
      group: GROUP,
      names: {
        kind: KIND,
        listKind: LIST_KIND,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: [SHORT_NAME],
        categories: ['starrocks'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: {
            status: {},
            scale: {
              specReplicasPath: '.spec.replicas',
              statusReplicasPath: '.status.replicas',
              labelSelectorPath: '.status.labelSelector',
            },
          },
          additionalPrinterColumns: PRINTER_COLUMNS,
          schema: { openAPIV3Schema: openApiV3Schema() },
        },
      ],
    },
  };
}
