// The FE simulator's entry point: a StarRocks FE on loopback (MySQL protocol) that behaves like a chosen FE version,
// its heartbeat probes and its query engine. What the operator's tests and benchmarks import; README.md says more.
export { FeSimulator, DEFAULT_HEARTBEAT_PERIOD_MS } from './simulator.js';
export type { FeSimulatorOptions, SimUserSpec, SeedNode, StatementRecord } from './simulator.js';
export {
  DEFAULT_PROFILE,
  NEWEST_PROFILE,
  PROFILES,
  PROFILE_NAMES,
  isProfileName,
  SHARED_DATA_COLUMNS,
} from './profiles.js';
export type { Profile, ProfileName, HostMode, SqlError, SystemPrivilege } from './profiles.js';
export { FAILURES_BEFORE_DEAD, DEFAULT_NODE_PORTS, LivenessTable, applyHeartbeat } from './heartbeat.js';
export type { HeartbeatOutcome, HeartbeatProbe, HeartbeatTarget, NodePorts } from './heartbeat.js';
export { podHeartbeatProbe } from './pod-heartbeat.js';
export type { FaultMode } from './protocol.js';
export type { MembershipChange, SimComputeNode } from './catalog.js';
export { QueryEngine } from './query-engine.js';
export type { QueryEngineOptions, QueryRecord, TraceQuery } from './query-engine.js';
