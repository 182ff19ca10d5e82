export * from './names.js';
export * from './settings.js';
export * from './metadata.js';
export * from './pod.js';
export * from './children.js';
export * from './child-kinds.js';
export type * from './plain.js';
