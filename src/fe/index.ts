// The FE client: SHOW COMPUTE NODES records, error kinds, the client and the shared snapshot cache. Addresses are
// parsed and validated by src/cn, the one address module.
//
// How it behaves, in short (details next to the code):
// - MySQL text protocol only (`query`, never prepared statements: FEs before 3.2 reject them).
// - FE addresses are tried in order starting with the one that answered last; only a failure to get an answer
//   (refused, reset, timed out) moves to the next address. An FE's error answer is final: every FE would say the same.
// - Every call is bounded: mysql2 connectTimeout, a per-query timeout, and an outer deadline that destroys the
//   connection. One kept connection per FE, re-made after any non-answer error (one fresh retry on the same FE when a
//   kept connection turns out to be dead, never after a timeout).
// - ADD/DROP of several addresses: one statement first; when the FE answers "already exists" / "does not exists"
//   for one of them, the others are sent one per statement, because what happened to them depends on the version
//   (2.4 checks all first and changes nothing; 3.3+ applies them in order and stops at that node). At most 1 + n
//   statements, correct on every version, and one round trip in the common case.
// - Addresses are validated (host name, IPv4, [IPv6]; port 1-65535) before any SQL is sent, then quoted.
// - The password is only handed to mysql2; errors and log lines never contain it (driver texts are redacted too).
export {
  parseComputeNodeRows,
  parseComputeNodeRow,
  type ComputeNodeLoad,
  type ComputeNodeRecord,
  type ResultRow,
} from './records.js';
export {
  isUnknownStatementAnswer,
  parseRunningQueryRows,
  SHOW_RUNNING_QUERIES,
  type QueryQueue,
} from './running-queries.js';
export { FeError, isFeError, type FeErrorKind } from './errors.js';
export {
  FeClient,
  parseFeAddresses,
  parseCnAddressList,
  feCacheKey,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_QUERY_TIMEOUT_MS,
  type FeClientOptions,
  type BackendQueries,
} from './client.js';
export { isKillByIdUnsupported, renderKillQuery } from './drain-queries.js';
export {
  FeSnapshotCache,
  QUEUE_READ_LIMIT_MS,
  UNSUPPORTED_RECHECK_MS,
  type FeSnapshot,
  type FeSnapshotCacheOptions,
  type QueueReading,
  type SnapshotSource,
} from './snapshot-cache.js';
export {
  renderAddComputeNodes,
  renderDropComputeNodes,
  parseIdempotentAnswer,
  quoteSqlString,
  type IdempotentAnswer,
} from './sql.js';
export { parseIdleStatus, type FeIdleReading } from './idle-status.js';
