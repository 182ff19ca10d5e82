export * from './constants.js';
export * from './schema.js';
export * from './parse.js';
export type { CelRule } from './rules.js';
export * from './reasons.js';
