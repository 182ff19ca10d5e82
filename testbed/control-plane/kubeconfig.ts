// Kubeconfig files for the control plane's identities: the API server on loopback, our CA, a bearer token. Pure.
import { stringify } from 'yaml';

export interface KubeconfigInput {
  readonly server: string;
  readonly caFile: string;
  readonly user: string;
  readonly token: string;
}

export function renderKubeconfig(input: KubeconfigInput): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: input.server, 'certificate-authority': input.caFile } }],
    users: [{ name: input.user, user: { token: input.token } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: input.user } }],
    'current-context': 'test',
    preferences: {},
  });
}

export function apiServerUrl(port: number): string {
  return `https://127.0.0.1:${port}`;
}
