// A Service named on a command line: `namespace/name` or `namespace/name:port` (port 443 by default).
export interface ServiceRef {
  namespace: string;
  name: string;
  port: number;
}

/** `namespace/name` or `namespace/name:port` (default port 443). */
export function parseServiceRef(text: string): { ok: true; value: ServiceRef } | { ok: false; message: string } {
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)(?::([0-9]{1,5}))?$/.exec(text);
  const namespace = match?.[1];
  const name = match?.[3];
  const port = match?.[5] === undefined ? 443 : Number(match[5]);
  if (namespace === undefined || name === undefined || port < 1 || port > 65535) {
    return { ok: false, message: `"${text}" is not namespace/name[:port] of a Service` };
  }
  return { ok: true, value: { namespace, name, port } };
}
