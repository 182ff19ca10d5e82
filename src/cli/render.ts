// `render -f cn.yaml [--config cn-config.yaml]`: prints the children the operator would create for the groups in a
// file, as multi-document YAML, without a cluster (like `helm template`). Invalid groups are reported field by field
// and the command exits with status 1.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseAllDocuments, stringify } from 'yaml';
import { CN_CONF_KEY, KIND, parseComputeNodeGroup, type ComputeNodeGroup } from '../api/v1alpha1/index.js';
import {
  DEFAULT_OPERATOR_IMAGE,
  buildChildren,
  childrenList,
  hashCnConf,
  type OperatorSettings,
} from '../builders/index.js';
import { DEFAULT_CN_PORTS, parseCnConf, type CnPorts } from '../cnconf/index.js';
import { isRecord } from '../util/guards.js';

export interface RenderSource {
  /** File name, for messages. */
  name: string;
  text: string;
}

export interface RenderRequest {
  groups: RenderSource;
  /** A file of ConfigMaps holding `cn.conf`, or a bare cn.conf. */
  config?: RenderSource | undefined;
  settings: OperatorSettings;
}

export type RenderResult =
  { ok: true; yaml: string; warnings: string[] } | { ok: false; errors: string[]; warnings: string[] };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return isRecord(value);
}

function yamlDocuments(source: RenderSource, errors: string[]): unknown[] {
  const documents = parseAllDocuments(source.text);
  const values: unknown[] = [];
  for (const document of documents) {
    for (const error of document.errors) {
      const line = error.linePos?.[0].line;
      errors.push(
        `${source.name}${line === undefined ? '' : `:${line}`}: invalid YAML: ${error.message.split('\n')[0] ?? ''}`,
      );
    }
    if (document.errors.length === 0) values.push(document.toJS() as unknown);
  }
  return values;
}

/** cn.conf texts by ConfigMap name; `bare` holds a config file that is a cn.conf itself. */
interface CnConfSources {
  byConfigMap: Map<string, string | undefined>;
  bare: string | undefined;
}

function collectConfigMaps(documents: unknown[], into: Map<string, string | undefined>): void {
  for (const document of documents) {
    if (!isObject(document) || document['kind'] !== 'ConfigMap' || !isObject(document['metadata'])) continue;
    const name = document['metadata']['name'];
    const data = isObject(document['data']) ? document['data'] : {};
    const text = data[CN_CONF_KEY];
    if (typeof name === 'string') into.set(name, typeof text === 'string' ? text : undefined);
  }
}

function configSources(request: RenderRequest, groupDocuments: unknown[], errors: string[]): CnConfSources {
  const byConfigMap = new Map<string, string | undefined>();
  collectConfigMaps(groupDocuments, byConfigMap);
  const config = request.config;
  if (config === undefined) return { byConfigMap, bare: undefined };
  const looksLikeManifest = /^\s*(apiVersion|kind)\s*:/m.test(config.text);
  if (!looksLikeManifest) return { byConfigMap, bare: config.text };
  const documents = yamlDocuments(config, errors);
  collectConfigMaps(documents, byConfigMap);
  return { byConfigMap, bare: undefined };
}

interface ResolvedConfig {
  ports: CnPorts;
  hash: string | undefined;
}

function resolveConfig(
  cng: ComputeNodeGroup,
  sources: CnConfSources,
  errors: string[],
  warnings: string[],
): ResolvedConfig | undefined {
  const configMap = cng.spec.cnInfo.configMap;
  const label = cng.metadata.name;
  if (configMap === undefined) {
    if (sources.bare !== undefined)
      warnings.push(`${label}: names no cnInfo.configMap; the --config cn.conf is not used`);
    return { ports: { ...DEFAULT_CN_PORTS }, hash: undefined };
  }
  const text = sources.byConfigMap.has(configMap) ? sources.byConfigMap.get(configMap) : sources.bare;
  if (sources.byConfigMap.has(configMap) && text === undefined) {
    errors.push(`${label}: ConfigMap ${configMap} has no "${CN_CONF_KEY}" key`);
    return undefined;
  }
  if (text === undefined) {
    warnings.push(
      `${label}: ConfigMap ${configMap} not given (pass it with --config): default ports assumed and no cn.conf hash on the pod template`,
    );
    return { ports: { ...DEFAULT_CN_PORTS }, hash: undefined };
  }
  const parsed = parseCnConf(text);
  if (!parsed.ok) {
    for (const error of parsed.errors) errors.push(`${label}: cn.conf of ConfigMap ${configMap}: ${error.message}`);
    return undefined;
  }
  return { ports: parsed.value, hash: hashCnConf(text) };
}

function groupLabel(document: Json, index: number): string {
  const metadata = isObject(document['metadata']) ? document['metadata'] : {};
  return typeof metadata['name'] === 'string' ? metadata['name'] : `document ${index + 1}`;
}

/** Pure: the rendering of a file of groups (and their cn.conf) into the children's YAML. */
export function renderManifests(request: RenderRequest): RenderResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const documents = yamlDocuments(request.groups, errors);
  const sources = configSources(request, documents, errors);
  const groupDocuments = documents.filter(
    (document): document is Json => isObject(document) && document['kind'] === KIND,
  );
  if (groupDocuments.length === 0 && errors.length === 0) {
    errors.push(`${request.groups.name}: no ${KIND} found (a document with kind: ${KIND})`);
  }
  const rendered: string[] = [];
  groupDocuments.forEach((document, index) => {
    const parsed = parseComputeNodeGroup(document);
    if (!parsed.ok) {
      const label = groupLabel(document, index);
      for (const error of parsed.errors)
        errors.push(`${request.groups.name}: ${label}: ${error.path}: ${error.message}`);
      return;
    }
    const config = resolveConfig(parsed.value, sources, errors, warnings);
    if (config === undefined) return;
    const children = buildChildren({
      cng: parsed.value,
      ports: config.ports,
      cnConfHash: config.hash,
      // Without a cluster there is no FE to wait for: the StatefulSet gets the replicas the group asks for.
      replicas: parsed.value.spec.replicas,
      settings: request.settings,
    });
    for (const child of childrenList(children))
      rendered.push(stringify(child, { lineWidth: 0, aliasDuplicateObjects: false }));
  });
  if (errors.length > 0) return { ok: false, errors, warnings };
  return { ok: true, yaml: rendered.map((text) => `---\n${text}`).join(''), warnings };
}

function readSource(path: string): RenderSource {
  return { name: path === '-' ? '(stdin)' : path, text: readFileSync(path === '-' ? 0 : path, 'utf8') };
}

interface RenderFlags {
  filename: string;
  config?: string;
  operatorImage: string;
}

export function renderMain(
  flags: RenderFlags,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): number {
  let request: RenderRequest;
  try {
    request = {
      groups: readSource(flags.filename),
      config: flags.config === undefined ? undefined : readSource(flags.config),
      settings: { operatorImage: flags.operatorImage },
    };
  } catch (error) {
    err.write(`render: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const result = renderManifests(request);
  for (const warning of result.warnings) err.write(`warning: ${warning}\n`);
  if (!result.ok) {
    for (const error of result.errors) err.write(`error: ${error}\n`);
    return 1;
  }
  out.write(result.yaml);
  return 0;
}

/** Adds `render` to the command-line program. */
export function addRenderCommand(program: Command): Command {
  return program
    .command('render')
    .description(
      'Print the Kubernetes objects the operator creates for the ComputeNodeGroups in a file (no cluster needed). ' +
        'Owner references are left out unless the group has a metadata.uid.',
    )
    .requiredOption(
      '-f, --filename <file>',
      'YAML file with ComputeNodeGroups (and optionally their ConfigMaps); - for stdin',
    )
    .option('--config <file>', 'YAML file with the cn.conf ConfigMaps, or a bare cn.conf')
    .option(
      '--operator-image <image>',
      'the operator image, used when images.componentsImage is absent',
      DEFAULT_OPERATOR_IMAGE,
    )
    .action((flags: RenderFlags) => {
      process.exitCode = renderMain(flags);
    });
}
