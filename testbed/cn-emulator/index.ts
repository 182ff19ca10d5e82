// The CN emulator's entry point: a compute node's /api/health on loopback, for the heartbeats of the FE simulator.
// The emulator program that runs in the real-node tier's pods (process.ts) is not imported: the image builder
// bundles it.
export { CnEmulator, HEALTH_BODY, startCnEmulators } from './emulator.js';
export type { CnEmulatorOptions, CnEmulatorState } from './emulator.js';
