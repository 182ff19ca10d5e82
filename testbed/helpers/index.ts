// The shared helpers' entry point: the repository's paths, free loopback ports, which process holds a loopback
// connection, and a seeded random generator.
export { REPO_ROOT, TESTBED_ROOT } from './repo.js';
export { freePort, freePorts } from './ports.js';
export { loopbackClientPid } from './loopback-clients.js';
export { seededRandom } from './seeded-random.js';
