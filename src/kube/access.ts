// What a part of the operator may do in the API, as data: each subsystem keeps its table next to its code (the
// manager's in controllers/computenodegroup/rbac.ts, leader election's in leader-election.ts, the custom metrics
// API's in custom-metrics/access.ts), and `npm run generate` writes every Role, ClusterRole and binding of deploy/
// and the Helm chart from them (src/rbac/), so no RBAC file is written by hand.

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'patch' | 'update' | 'delete';

/** One RBAC grant on a resource (or a subresource, `plural/sub`). */
export interface Access {
  /** API groups ('' for the core group). */
  apiGroups: readonly string[];
  resource: string;
  /** Only these objects; absent: every object of the resource. */
  resourceNames?: readonly string[];
  verbs: readonly Verb[];
  why?: string;
}

/**
 * Where a grant holds. `watched`: the namespaces the operator manages (cluster-wide, or a Role in each namespace the
 * chart's watchNamespaces lists); `own`: the operator's own namespace; `cluster`: cluster-wide always; `namespace`:
 * one fixed namespace (kube-system).
 */
export type GrantScope =
  { kind: 'watched' } | { kind: 'own' } | { kind: 'cluster' } | { kind: 'namespace'; namespace: string };

/** A role bound to the operator's ServiceAccount: one of its own (rules from an access table), or one Kubernetes ships. */
export interface Grant {
  /** Names the role and its binding (prefixed with the release or `cn-`). */
  name: string;
  scope: GrantScope;
  role: { access: readonly Access[] } | { builtIn: { kind: 'Role' | 'ClusterRole'; name: string } };
  /** Printed above the objects. */
  why: string;
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: Verb[];
  /** Printed as a comment above the rule. */
  why?: string;
}

const VERB_ORDER: readonly Verb[] = ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'];

/** Grants with the same API groups, object names, verbs and reason merge into one rule; first-appearance order is kept. */
export function policyRules(access: readonly Access[]): PolicyRule[] {
  const rules = new Map<string, PolicyRule>();
  for (const grant of access) {
    const verbs = VERB_ORDER.filter((verb) => grant.verbs.includes(verb));
    const key = JSON.stringify([grant.apiGroups, grant.resourceNames ?? [], verbs, grant.why ?? '']);
    const rule = rules.get(key);
    if (rule === undefined) {
      rules.set(key, {
        apiGroups: [...grant.apiGroups],
        resources: [grant.resource],
        ...(grant.resourceNames === undefined ? {} : { resourceNames: [...grant.resourceNames] }),
        verbs,
        ...(grant.why === undefined ? {} : { why: grant.why }),
      });
    } else {
      rule.resources.push(grant.resource);
    }
  }
  return [...rules.values()];
}

/** `''` for `/api/v1`, `apps` for `/apis/apps/v1`. */
export function apiGroupOf(apiPath: string): string {
  if (/^\/api\/[^/]+$/.test(apiPath)) return '';
  const group = /^\/apis\/([^/]+)\/[^/]+$/.exec(apiPath)?.[1];
  if (group === undefined) throw new Error(`not an API path: ${apiPath}`);
  return group;
}
