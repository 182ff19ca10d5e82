// Who is asking, and may they: the delegated authentication and authorization of an aggregated API server.
//
// Authentication: the API server's aggregator forwards each request over TLS with its front-proxy client certificate
// and names the user in headers. This server trusts those headers only from a client certificate signed by the
// request-header CA and (when the API server lists any) with an allowed common name, all read from the
// `kube-system/extension-apiserver-authentication` ConfigMap the API server publishes. Any other caller is refused:
// the metrics are reached through the API server (`kubectl get --raw /apis/custom.metrics.k8s.io/...`).
// Authorization: a SubjectAccessReview for the user, its groups and the request's attributes, cached for 10 s.
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { z } from 'zod';

export const AUTHENTICATION_CONFIG_MAP = { namespace: 'kube-system', name: 'extension-apiserver-authentication' };

export interface RequestHeaderConfig {
  /** PEM bundle of the CA that signs the front proxy's client certificate. */
  clientCa: string;
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  /** Headers whose suffix names an extra attribute of the user (`X-Remote-Extra-<key>`). */
  extraHeaderPrefixes: string[];
  uidHeaders: string[];
}

const jsonList = z
  .string()
  .transform((text, ctx) => {
    try {
      const parsed = z.array(z.string()).safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'is not a JSON list of strings' });
    return z.NEVER;
  })
  .optional();

const configMapSchema = z.looseObject({
  data: z.looseObject({
    'requestheader-client-ca-file': z.string().min(1),
    'requestheader-allowed-names': jsonList,
    'requestheader-username-headers': jsonList,
    'requestheader-group-headers': jsonList,
    'requestheader-extra-headers-prefix': jsonList,
    'requestheader-uid-headers': jsonList,
  }),
});

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseRequestHeaderConfig(configMap: unknown): ParseResult<RequestHeaderConfig> {
  const parsed = configMapSchema.safeParse(configMap);
  if (!parsed.success) {
    return {
      ok: false,
      message:
        `ConfigMap ${AUTHENTICATION_CONFIG_MAP.namespace}/${AUTHENTICATION_CONFIG_MAP.name} has no usable ` +
        'requestheader-client-ca-file: start kube-apiserver with --requestheader-client-ca-file and ' +
        '--proxy-client-cert-file (every aggregated API needs them)',
    };
  }
  const data = parsed.data.data;
  return {
    ok: true,
    value: {
      clientCa: data['requestheader-client-ca-file'],
      allowedNames: data['requestheader-allowed-names'] ?? [],
      usernameHeaders: data['requestheader-username-headers'] ?? ['X-Remote-User'],
      groupHeaders: data['requestheader-group-headers'] ?? ['X-Remote-Group'],
      extraHeaderPrefixes: data['requestheader-extra-headers-prefix'] ?? ['X-Remote-Extra-'],
      uidHeaders: data['requestheader-uid-headers'] ?? [],
    },
  };
}

export interface Caller {
  user: string;
  groups: string[];
  uid?: string;
  extra: Record<string, string[]>;
}

const CLIENT_AUTH_USAGE = '1.3.6.1.5.5.7.3.2';

/** The user the front proxy names, or why the request is not trusted. Pure over the request's socket and headers. */
export function authenticate(request: IncomingMessage, config: RequestHeaderConfig): ParseResult<Caller> {
  const socket = request.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) {
    return { ok: false, message: 'no client certificate from the front-proxy CA: call through the API server' };
  }
  const certificate = socket.getPeerCertificate();
  // As Kubernetes' verifier: a certificate that restricts its usages must allow client authentication.
  const usages: unknown = certificate.ext_key_usage;
  if (Array.isArray(usages) && !usages.includes(CLIENT_AUTH_USAGE)) {
    return { ok: false, message: 'the client certificate is not for client authentication' };
  }
  const cn: unknown = certificate.subject.CN;
  const commonName = typeof cn === 'string' ? cn : undefined;
  if (config.allowedNames.length > 0 && (commonName === undefined || !config.allowedNames.includes(commonName))) {
    return { ok: false, message: `client certificate ${commonName ?? '(no CN)'} is not an allowed front proxy` };
  }
  const user = config.usernameHeaders.map((name) => headerValues(request, name)[0]).find((value) => value);
  if (user === undefined) return { ok: false, message: 'the front proxy named no user' };
  const groups = config.groupHeaders.flatMap((name) => headerValues(request, name));
  const uid = config.uidHeaders.map((name) => headerValues(request, name)[0]).find((value) => value);
  return { ok: true, value: { user, groups, extra: extraOf(request, config), ...(uid === undefined ? {} : { uid }) } };
}

/** Every value of a header, each whole: a group name may contain commas (`cn=admins,ou=groups`). */
function headerValues(request: IncomingMessage, name: string): string[] {
  return (request.headersDistinct[name.toLowerCase()] ?? []).filter((value) => value !== '');
}

/** `X-Remote-Extra-<key>` headers: the key lower-cased and percent-decoded, as the API server encodes it. */
function extraOf(request: IncomingMessage, config: RequestHeaderConfig): Record<string, string[]> {
  const extra: Record<string, string[]> = {};
  for (const [header, values] of Object.entries(request.headersDistinct)) {
    const prefix = config.extraHeaderPrefixes.find((candidate) => header.startsWith(candidate.toLowerCase()));
    if (prefix === undefined || values === undefined) continue;
    let key = header.slice(prefix.length);
    try {
      key = decodeURIComponent(key);
    } catch {
      continue; // a key the front proxy would never send
    }
    extra[key] = [...(extra[key] ?? []), ...values];
  }
  return extra;
}

export interface ResourceAttributes {
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
}

/** The body of the SubjectAccessReview for a GET of a metric (what RBAC rules on custom.metrics.k8s.io match). */
export function accessReview(caller: Caller, attributes: ResourceAttributes, group: string): Record<string, unknown> {
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: caller.user,
      groups: caller.groups,
      ...(caller.uid === undefined ? {} : { uid: caller.uid }),
      ...(Object.keys(caller.extra).length === 0 ? {} : { extra: caller.extra }),
      resourceAttributes: { group, verb: 'get', ...attributes, ...(attributes.name === '*' ? { name: '' } : {}) },
    },
  };
}

const reviewAnswer = z.looseObject({
  status: z.looseObject({ allowed: z.boolean(), reason: z.string().optional() }).optional(),
});

export function parseReviewAnswer(answer: unknown): { allowed: boolean; reason: string } {
  const parsed = reviewAnswer.safeParse(answer);
  const status = parsed.success ? parsed.data.status : undefined;
  return { allowed: status?.allowed ?? false, reason: status?.reason ?? '' };
}

/** Decisions remembered for a short while, so an HPA polling every 15 s costs one review per TTL. */
export class DecisionCache {
  private readonly entries = new Map<string, { allowed: boolean; reason: string; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): { allowed: boolean; reason: string } | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.until <= this.now()) return undefined;
    return entry;
  }

  set(key: string, decision: { allowed: boolean; reason: string }): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { ...decision, until: this.now() + this.ttlMs });
  }
}
