// The shared helpers' entry point: the repository's paths, free loopback ports, which process holds a loopback
// connection, a seeded random generator and bounded polling.
export { REPO_ROOT, TESTBED_ROOT } from './repo.js';
export { freePort, freePorts } from './ports.js';
export { loopbackClientPid } from './loopback-clients.js';
export { seededRandom } from './seeded-random.js';
export { waitFor, type WaitForOptions } from './wait.js';
