// The metrics API's entry point. The control plane starts the server itself (main.ts); a test sets what it reports
// for a pod through these annotations, which the server reads on every request.
export { CPU_ANNOTATION, MEMORY_ANNOTATION } from './metrics.js';
