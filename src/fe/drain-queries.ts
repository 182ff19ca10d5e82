// Which queries still run fragments on a CN, and how to end them: what the drain does when its window is over
// (docs/notes/cn-leaving-in-starrocks-source.md, Q1 and Q2).
//   SHOW PROC '/current_backend_instances'  every fragment instance of the queries this FE coordinates, by host
//                                           (`Backend` = host:be_port). Pure FE memory, so it lists a CN the FE has
//                                           dropped or that is gone. No query id: an instance id shares the first
//                                           three groups of its query's id.
//   SHOW PROC '/current_queries'            the queries this FE coordinates, with their `QueryId`.
//   KILL QUERY '<query id>'                 3.4 and later; the FE asks every FE until the coordinator answers. 3.3 and
//                                           earlier know only `KILL <connection id>`, which has to reach the FE that
//                                           holds the connection, and 3.3's /current_queries fails while a dropped CN
//                                           runs a query: there, past the window a query ends at its query_timeout.
// Both PROCs are per FE and need the OPERATE privilege; the caller runs them on every FE address it has.
import { quoteSqlString } from './sql.js';
import type { ResultRow } from './records.js';

export const SHOW_BACKEND_INSTANCES = "SHOW PROC '/current_backend_instances'";
export const SHOW_CURRENT_QUERIES = "SHOW PROC '/current_queries'";

/** A StarRocks query or instance id as the FE prints it: a UUID (hex groups joined by dashes). */
const ID_FORM = /^[0-9a-f]{1,16}(-[0-9a-f]{1,16}){1,4}$/i;

type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * The instance ids running on the CN at `host` (as it registered), from /current_backend_instances, whose `Backend` is
 * `host:be_port`. Matched on the host alone: one host runs one CN, and a leaving pod may have another be_port than
 * the group's cn.conf has now.
 */
export function instancesOn(rows: readonly ResultRow[], host: string): ParseResult<string[]> {
  const ids: string[] = [];
  const wanted = normalHost(host);
  for (const [index, row] of rows.entries()) {
    const backend = row['Backend'];
    const instance = row['InstanceId'];
    if (typeof backend !== 'string' || typeof instance !== 'string') {
      return { ok: false, message: `/current_backend_instances row ${index}: no Backend or InstanceId column` };
    }
    const text = backend.trim();
    const colon = text.lastIndexOf(':');
    if (colon > 0 && normalHost(text.slice(0, colon)) === wanted && ID_FORM.test(instance.trim())) {
      ids.push(instance.trim());
    }
  }
  return { ok: true, value: ids };
}

/** Host names compare without case and IPv6 without brackets. */
function normalHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** The query ids of /current_queries. */
export function currentQueryIds(rows: readonly ResultRow[]): ParseResult<string[]> {
  const ids: string[] = [];
  for (const [index, row] of rows.entries()) {
    const id = row['QueryId'];
    if (typeof id !== 'string') return { ok: false, message: `/current_queries row ${index}: no QueryId column` };
    if (ID_FORM.test(id.trim())) ids.push(id.trim());
  }
  return { ok: true, value: ids };
}

/** An instance id's query part: its first three groups (`hi` of the TUniqueId, the same for every instance). */
function queryPart(id: string): string {
  return id.toLowerCase().split('-').slice(0, 3).join('-');
}

/** The queries that own these instances, each once. */
export function queriesOwning(instanceIds: readonly string[], queryIds: readonly string[]): string[] {
  const wanted = new Set(instanceIds.map(queryPart));
  return [...new Set(queryIds.filter((id) => wanted.has(queryPart(id))))];
}

/** `KILL QUERY '<id>'`; throws on anything that is not an id, so no other text reaches the FE. */
export function renderKillQuery(queryId: string): string {
  if (!ID_FORM.test(queryId)) throw new Error(`not a StarRocks query id: ${JSON.stringify(queryId.slice(0, 80))}`);
  return `KILL QUERY ${quoteSqlString(queryId)}`;
}

/** An FE before 3.4 does not parse `KILL QUERY '<id>'` (its grammar takes a connection id only). */
export function isKillByIdUnsupported(feMessage: string): boolean {
  return /syntax error|unexpected input|mismatched input/i.test(feMessage);
}

/** The query had ended (or its id changed with a retry) by the time of the KILL. */
export function isUnknownQueryAnswer(feMessage: string): boolean {
  return /unknown query id/i.test(feMessage);
}
