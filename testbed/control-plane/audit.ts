// Reading the API server's audit log: which user made which request. Parsing and counting are pure; only
// `auditMark` and `readAuditRequests` touch the file. A request is counted once, from its RequestReceived event,
// which the API server writes before serving the request, so a mark taken before a call always sees the call.
import { open, stat } from 'node:fs/promises';
import { z } from 'zod';

const eventSchema = z.object({
  auditID: z.string(),
  stage: z.string(),
  verb: z.string(),
  requestURI: z.string(),
  user: z.object({ username: z.string().optional(), groups: z.array(z.string()).optional() }),
  userAgent: z.string().optional(),
  objectRef: z
    .object({
      resource: z.string().optional(),
      subresource: z.string().optional(),
      namespace: z.string().optional(),
      name: z.string().optional(),
      apiGroup: z.string().optional(),
    })
    .optional(),
  responseStatus: z.object({ code: z.number().optional() }).optional(),
  requestReceivedTimestamp: z.string().optional(),
});
type AuditEvent = z.infer<typeof eventSchema>;

export interface AuditRequest {
  readonly auditID: string;
  readonly user: string;
  readonly userAgent: string;
  readonly verb: string;
  readonly uri: string;
  readonly resource: string | null;
  readonly subresource: string | null;
  readonly apiGroup: string | null;
  readonly namespace: string | null;
  readonly name: string | null;
  /** The response code, once the request completed (null while it runs, e.g. an open watch). */
  readonly code: number | null;
  readonly receivedAt: string | null;
}

/** A position in the audit log; requests received after it are "since the mark". */
export interface AuditMark {
  readonly offset: number;
}

/** Parses complete JSON lines; a torn last line (the server is still writing it) and foreign lines are skipped. */
export function parseAuditEvents(text: string): AuditEvent[] {
  const events: AuditEvent[] = [];
  const lines = text.split('\n');
  if (!text.endsWith('\n')) lines.pop();
  for (const line of lines) {
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = eventSchema.safeParse(json);
    if (parsed.success) events.push(parsed.data);
  }
  return events;
}

/** One entry per request that has its RequestReceived event in `events`, with the code of its final event. */
export function mergeAuditEvents(events: readonly AuditEvent[]): AuditRequest[] {
  const codes = new Map<string, number>();
  for (const event of events) {
    const code = event.responseStatus?.code;
    if (event.stage === 'ResponseComplete' && code !== undefined) codes.set(event.auditID, code);
  }
  return events
    .filter((event) => event.stage === 'RequestReceived')
    .map((event) => ({
      auditID: event.auditID,
      user: event.user.username ?? '',
      userAgent: event.userAgent ?? '',
      verb: event.verb,
      uri: event.requestURI,
      resource: event.objectRef?.resource ?? null,
      subresource: event.objectRef?.subresource ?? null,
      apiGroup: event.objectRef?.apiGroup ?? null,
      namespace: event.objectRef?.namespace ?? null,
      name: event.objectRef?.name ?? null,
      code: codes.get(event.auditID) ?? null,
      receivedAt: event.requestReceivedTimestamp ?? null,
    }));
}

export interface AuditFilter {
  readonly user?: string;
  readonly verb?: string | readonly string[];
  readonly resource?: string;
  readonly subresource?: string | null;
  readonly namespace?: string;
  readonly name?: string;
}

export function matchesAudit(request: AuditRequest, filter: AuditFilter): boolean {
  if (filter.user !== undefined && request.user !== filter.user) return false;
  if (filter.verb !== undefined) {
    const verbs: readonly string[] = typeof filter.verb === 'string' ? [filter.verb] : filter.verb;
    if (!verbs.includes(request.verb)) return false;
  }
  if (filter.resource !== undefined && request.resource !== filter.resource) return false;
  if (filter.subresource !== undefined && request.subresource !== filter.subresource) return false;
  if (filter.namespace !== undefined && request.namespace !== filter.namespace) return false;
  if (filter.name !== undefined && request.name !== filter.name) return false;
  return true;
}

/** Requests per "user verb resource[/subresource]" key, for reports and benchmarks. */
export function countAudit(requests: readonly AuditRequest[], filter: AuditFilter = {}): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of requests) {
    if (!matchesAudit(request, filter)) continue;
    const resource = request.resource ?? request.uri.split('?')[0] ?? '';
    const key = `${request.user} ${request.verb} ${resource}${request.subresource ? '/' + request.subresource : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

export async function auditMark(auditLogPath: string): Promise<AuditMark> {
  try {
    return { offset: (await stat(auditLogPath)).size };
  } catch {
    return { offset: 0 };
  }
}

/** The requests recorded after `since` (the whole log without a mark). */
export async function readAuditRequests(auditLogPath: string, since?: AuditMark): Promise<AuditRequest[]> {
  const handle = await open(auditLogPath, 'r');
  try {
    const { size } = await handle.stat();
    if (since !== undefined && since.offset > size) {
      throw new Error(`the audit log ${auditLogPath} is shorter than at the mark (rotated or truncated since)`);
    }
    const start = since?.offset ?? 0;
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return mergeAuditEvents(parseAuditEvents(buffer.toString('utf8')));
  } finally {
    await handle.close();
  }
}
