export { FeSimulator, DEFAULT_HEARTBEAT_PERIOD_MS } from './simulator.js';
export type { FeSimulatorOptions, SimUserSpec, SeedNode, StatementRecord } from './simulator.js';
export { PROFILES, PROFILE_NAMES, isProfileName, SHARED_DATA_COLUMNS } from './profiles.js';
export type { Profile, ProfileName, HostMode, SqlError, SystemPrivilege } from './profiles.js';
export { FAILURES_BEFORE_DEAD, DEFAULT_NODE_PORTS, LivenessTable, applyHeartbeat } from './heartbeat.js';
export type { HeartbeatOutcome, HeartbeatProbe, HeartbeatTarget, NodePorts } from './heartbeat.js';
export type { FaultMode } from './protocol.js';
export type { SimComputeNode } from './catalog.js';
