// The FE client (contract D): address validation, SHOW COMPUTE NODES records, error kinds, the client and the
// shared snapshot cache.
export {
  parseCnAddress,
  formatCnAddress,
  quoteSqlString,
  type CnAddress,
  type ParseCnAddressResult,
} from './address.js';
export { parseComputeNodeRows, parseComputeNodeRow, type ComputeNodeRecord, type ResultRow } from './records.js';
export { FeError, isFeError, type FeErrorKind } from './errors.js';
export {
  FeClient,
  parseFeAddresses,
  parseCnAddressList,
  feCacheKey,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_QUERY_TIMEOUT_MS,
  type FeClientOptions,
} from './client.js';
export {
  FeSnapshotCache,
  type FeSnapshot,
  type FeSnapshotCacheOptions,
  type SnapshotSource,
} from './snapshot-cache.js';
export { renderAddComputeNodes, renderDropComputeNodes, parseIdempotentAnswer, type IdempotentAnswer } from './sql.js';
