// What identifies a compute node: its address in the FE and its pod's ordinal. Pure, shared by the FE client, the
// membership decisions, the builders and the components.
export * from './address.js';
export * from './ordinal.js';
