// What the custom metrics API server may do in the API (only with the API on): the table `npm run generate` writes
// into deploy/custom-metrics/rbac.yaml and the Helm chart (src/rbac/).
import { apiGroupOf, type Grant } from '../kube/access.js';
import { APPLY_VERBS } from '../kube/apply.js';
import { API_SERVICE_NAME } from './api.js';
import { API_SERVICE_RESOURCE } from './apiservice.js';
import { AUTHENTICATION_CONFIG_MAP } from './auth.js';

export const CUSTOM_METRICS_GRANTS: readonly Grant[] = [
  {
    name: 'custom-metrics-auth-reader',
    scope: { kind: 'namespace', namespace: AUTHENTICATION_CONFIG_MAP.namespace },
    role: { builtIn: { kind: 'Role', name: 'extension-apiserver-authentication-reader' } },
    why: "Delegated authentication: read the API server's front-proxy settings in kube-system.",
  },
  {
    name: 'custom-metrics-access-review',
    scope: { kind: 'cluster' },
    role: { access: [{ apiGroups: ['authorization.k8s.io'], resource: 'subjectaccessreviews', verbs: ['create'] }] },
    why:
      'Delegated authorization: a SubjectAccessReview for each metric read (no TokenReviews: only the front proxy is ' +
      'trusted, by its client certificate).',
  },
  {
    name: 'custom-metrics-apiservice',
    scope: { kind: 'cluster' },
    role: {
      access: [
        {
          apiGroups: [apiGroupOf(API_SERVICE_RESOURCE.apiPath)],
          resource: API_SERVICE_RESOURCE.plural,
          resourceNames: [API_SERVICE_NAME],
          verbs: APPLY_VERBS,
        },
      ],
    },
    why:
      `The APIService ${API_SERVICE_NAME}, read and server-side applied: created when absent, kept when it points ` +
      "at this operator's Service, never changed when it points at another (the operator reports it instead). An " +
      'apply names its object, so even the create it may do is limited to this one.',
  },
];
