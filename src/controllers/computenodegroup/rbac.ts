// The manager's access, derived from the two tables of what it touches (the owned kinds of builders/child-kinds.ts
// and the other kinds of resources.ts). `npm run generate` writes it to deploy/role.yaml and the Helm chart
// (src/rbac/), so those files cannot drift from the code or from each other.
import { CHILD_KINDS } from '../../builders/index.js';
import { apiGroupOf, policyRules, type Access, type Grant, type PolicyRule } from '../../kube/access.js';
import { OTHER_ACCESS } from './resources.js';

/** Every grant the operator needs, one per resource or subresource. */
export function operatorAccess(): Access[] {
  const children = CHILD_KINDS.flatMap((kind): Access[] => {
    const apiGroups = [apiGroupOf(kind.resource.apiPath)];
    const own: Access = { apiGroups, resource: kind.resource.plural, verbs: kind.verbs };
    const subresources = (kind.subresources ?? []).map((sub): Access => ({
      apiGroups,
      resource: `${kind.resource.plural}/${sub.name}`,
      verbs: sub.verbs,
      why: sub.why,
    }));
    return [own, ...subresources];
  });
  return [...OTHER_ACCESS, ...children];
}

export function operatorRules(): PolicyRule[] {
  return policyRules(operatorAccess());
}

export const MANAGER_GRANT: Grant = {
  name: 'manager',
  scope: { kind: 'watched' },
  role: { access: operatorAccess() },
  why:
    "What the operator needs in the namespaces it manages. It may create the offline CronJob's Role only because it\n" +
    'holds every permission that Role grants (Kubernetes forbids granting more than you have).',
};
