// Roles and their bindings as YAML text, from the grants of kube/access.ts: the same documents for deploy/ (literal
// names) and for the Helm chart (template expressions), so the two differ only in what a Placement says. Pure.
import { policyRules, type Grant, type PolicyRule } from '../kube/access.js';

/** How one install names things: deploy/'s literal values, or the chart's template expressions. */
export interface Placement {
  roleName(grant: Grant): string;
  bindingName(grant: Grant): string;
  /** The lines under `labels:`, indented by four, each ending in a newline. */
  labels: string;
  serviceAccount: string;
  /** The operator's namespace: its ServiceAccount's, and its Lease's. */
  ownNamespace: string;
}

const RBAC_API = 'rbac.authorization.k8s.io';
const WIDTH = 120;

/** `text` in lines of at most 120 columns, each after `prefix`; a newline in it starts a new line. */
export function wrap(text: string, prefix: string): string {
  return text
    .split('\n')
    .flatMap((paragraph) => {
      const lines: string[] = [];
      let line = '';
      for (const word of paragraph.split(' ')) {
        if (line !== '' && prefix.length + line.length + 1 + word.length > WIDTH) {
          lines.push(line);
          line = word;
        } else {
          line = line === '' ? word : `${line} ${word}`;
        }
      }
      return [...lines, line];
    })
    .map((line) => `${prefix}${line}\n`)
    .join('');
}

/** `text` as YAML comment lines. */
export function comment(text: string, indent = ''): string {
  return wrap(text, `${indent}# `);
}

function flow(values: readonly string[]): string {
  return `[${values.map((value) => (value === '' ? "''" : value)).join(', ')}]`;
}

export function renderRules(rules: readonly PolicyRule[]): string {
  return rules
    .map((rule) => {
      const names = rule.resourceNames === undefined ? '' : `    resourceNames: ${flow(rule.resourceNames)}\n`;
      return (
        (rule.why === undefined ? '' : comment(rule.why, '  ')) +
        `  - apiGroups: ${flow(rule.apiGroups)}\n` +
        `    resources: ${flow(rule.resources)}\n` +
        names +
        `    verbs: ${flow(rule.verbs)}\n`
      );
    })
    .join('');
}

function metadata(name: string, namespace: string | undefined, placement: Placement): string {
  const namespaceLine = namespace === undefined ? '' : `  namespace: ${namespace}\n`;
  return `metadata:\n  name: ${name}\n${namespaceLine}  labels:\n${placement.labels}`;
}

/** The grant's own role (none for a built-in one): a ClusterRole without a namespace, else a Role in it. */
export function roleDocument(grant: Grant, placement: Placement, namespace: string | undefined): string | undefined {
  if (!('access' in grant.role)) return undefined;
  return (
    `apiVersion: ${RBAC_API}/v1\n` +
    `kind: ${namespace === undefined ? 'ClusterRole' : 'Role'}\n` +
    metadata(placement.roleName(grant), namespace, placement) +
    'rules:\n' +
    renderRules(policyRules(grant.role.access))
  );
}

/** The binding of the grant's role to the operator's ServiceAccount. */
export function bindingDocument(grant: Grant, placement: Placement, namespace: string | undefined): string {
  const roleRef =
    'access' in grant.role
      ? { kind: namespace === undefined ? 'ClusterRole' : 'Role', name: placement.roleName(grant) }
      : grant.role.builtIn;
  return (
    `apiVersion: ${RBAC_API}/v1\n` +
    `kind: ${namespace === undefined ? 'ClusterRoleBinding' : 'RoleBinding'}\n` +
    metadata(placement.bindingName(grant), namespace, placement) +
    `roleRef:\n  apiGroup: ${RBAC_API}\n  kind: ${roleRef.kind}\n  name: ${roleRef.name}\n` +
    'subjects:\n' +
    `  - kind: ServiceAccount\n    name: ${placement.serviceAccount}\n    namespace: ${placement.ownNamespace}\n`
  );
}

/** Where a grant's objects live; undefined: cluster-wide (a `watched` grant is cluster-wide unless the chart says). */
export function grantNamespace(grant: Grant, placement: Placement): string | undefined {
  switch (grant.scope.kind) {
    case 'watched':
    case 'cluster':
      return undefined;
    case 'own':
      return placement.ownNamespace;
    case 'namespace':
      return grant.scope.namespace;
  }
}

/** The grant's role (if its own) and binding, its reason as a comment above them, as one YAML stream. */
export function grantDocuments(
  grant: Grant,
  placement: Placement,
  namespace = grantNamespace(grant, placement),
): string {
  const role = roleDocument(grant, placement, namespace);
  const documents = [...(role === undefined ? [] : [role]), bindingDocument(grant, placement, namespace)];
  return comment(grant.why) + documents.join('---\n');
}
