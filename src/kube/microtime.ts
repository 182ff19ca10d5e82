// metav1.MicroTime: RFC 3339 with exactly six fraction digits. Lease and events.k8s.io Event times must use it:
// the API server rejects the three-digit form `Date.toISOString()` gives (client-node #828), and a Lease written with
// it never validates, so leader election silently never wins.

/** `2026-11-24T21:01:10.123000Z` for the given time (default now). */
export function formatMicroTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** metav1.Time: RFC 3339 in whole seconds, `2026-11-24T21:01:10Z`. */
export function formatTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Milliseconds since the epoch of a MicroTime/Time text, or undefined when it is not one. */
export function parseKubeTime(text: unknown): number | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
