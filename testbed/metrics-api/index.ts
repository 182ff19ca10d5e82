// The metrics API's entry point. The control plane starts the server itself (main.ts); a test sets what it reports
// for a pod through these annotations, which the server reads on every request, at once or through ScrapedCpu at
// the resolution a real metrics-server has.
export { CPU_ANNOTATION, MEMORY_ANNOTATION } from './metrics.js';
export { FRESH_CONTAINER_MIN_MS, ScrapedCpu } from './scrapes.js';
