// Listen addresses in the form kubebuilder's flags use: ":8080" (all interfaces), "127.0.0.1:8080", "[::1]:8080",
// and "0" to switch the endpoint off.

export interface BindAddress {
  /** undefined means all interfaces. */
  host: string | undefined;
  port: number;
}

export type BindAddressParse = { ok: true; value: BindAddress | undefined } | { ok: false; message: string };

const FORM = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/;

/** Parses a bind address; `value: undefined` means disabled ("0"). */
export function parseBindAddress(text: string): BindAddressParse {
  const trimmed = text.trim();
  if (trimmed === '0') return { ok: true, value: undefined };
  const match = FORM.exec(trimmed);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65535) {
    return {
      ok: false,
      message: `"${text}" is not a listen address; use ":8080", "127.0.0.1:8080", "[::1]:8080" or "0"`,
    };
  }
  const host = match[1] ?? match[2];
  return { ok: true, value: { host: host === '' ? undefined : host, port } };
}

export function formatBindAddress(address: BindAddress): string {
  if (address.host === undefined) return `:${address.port}`;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
