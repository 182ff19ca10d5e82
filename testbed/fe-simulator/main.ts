// The FE simulator as a standalone process, for the demo and manual runs:
//   tsx testbed/fe-simulator/main.ts --port 9030 --version 3.3 [--host-mode FQDN] [--heartbeat-ms 1000]
//        [--user name:password[:role,role]] [--resolve host=ip] [--assume-alive] [--backend host:port]
//        [--load-file path] [--http-port 8030 [--idle-check-seconds 60]]
// --http-port: the FE's HTTP port, for GET /api/idle_status; --idle-check-seconds turns on
// warehouse_idle_check_enable with that interval (off otherwise, as on a real FE).
// --load-file: a JSON file {"runningPerNode":4,"cpuUsedPercent":90,"running":4,"pending":12} read every half second;
// what it says is the load the FE reports (setLoad), so a shell script can play a burst of queries.
// Prints one JSON line {"event":"listening","ports":[...],...} once the ports are open; SIGTERM/SIGINT stop it.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_PROFILE, NEWEST_PROFILE, PROFILE_NAMES, isProfileName } from './profiles.js';
import { FeSimulator, type SimUserSpec } from './simulator.js';

function fail(message: string): never {
  process.stderr.write(`fe-simulator: ${message}\n`);
  process.exit(2);
}

function parsePort(text: string): number {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) > 65535) fail(`--port ${text}: expected a number from 0 to 65535`);
  return Number(text);
}

function parseUser(text: string): SimUserSpec {
  const [name, password, roles] = text.split(':');
  if (!name || password === undefined) fail(`--user ${text}: expected name:password[:role,role]`);
  return { name, password, roles: roles ? roles.split(',') : [] };
}

function parseResolution(text: string): [string, string] {
  const [host, ip] = text.split('=');
  if (!host || !ip) fail(`--resolve ${text}: expected host=ip`);
  return [host, ip];
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', multiple: true },
    host: { type: 'string', default: '127.0.0.1' },
    version: { type: 'string', default: DEFAULT_PROFILE },
    'host-mode': { type: 'string', default: 'IP' },
    'heartbeat-ms': { type: 'string', default: '5000' },
    'root-password': { type: 'string', default: '' },
    user: { type: 'string', multiple: true },
    resolve: { type: 'string', multiple: true },
    backend: { type: 'string', multiple: true },
    'assume-alive': { type: 'boolean', default: false },
    'shared-data': { type: 'boolean', default: false },
    'load-file': { type: 'string' },
    'http-port': { type: 'string' },
    'idle-check-seconds': { type: 'string' },
  },
});

const loadSchema = z.strictObject({
  runningPerNode: z.number().int().min(0),
  cpuUsedPercent: z.number().min(0).max(100).optional(),
  running: z.number().int().min(0).optional(),
  pending: z.number().int().min(0).optional(),
});

const version = values.version === 'latest' ? NEWEST_PROFILE : values.version;
if (!isProfileName(version)) fail(`--version ${values.version}: expected latest or one of ${PROFILE_NAMES.join(', ')}`);
const hostMode = values['host-mode'].toUpperCase();
if (hostMode !== 'IP' && hostMode !== 'FQDN') fail(`--host-mode ${values['host-mode']}: expected IP or FQDN`);
if (!values.host.startsWith('127.') && values.host !== 'localhost') fail('--host must be a loopback address');
const heartbeatMs = Number(values['heartbeat-ms']);
if (!Number.isInteger(heartbeatMs) || heartbeatMs < 10) fail('--heartbeat-ms must be an integer >= 10');

const idleCheckSeconds = values['idle-check-seconds'] === undefined ? undefined : Number(values['idle-check-seconds']);
if (idleCheckSeconds !== undefined && !(idleCheckSeconds > 0)) fail('--idle-check-seconds must be a number > 0');

const simulator = new FeSimulator({
  version,
  hostMode,
  host: values.host,
  ports: (values.port ?? ['0']).flatMap((p) => p.split(',')).map(parsePort),
  rootPassword: values['root-password'],
  users: (values.user ?? []).map(parseUser),
  resolve: Object.fromEntries((values.resolve ?? []).map(parseResolution)),
  heartbeatPeriodMs: heartbeatMs,
  sharedData: values['shared-data'],
  backends: (values.backend ?? []).map((address) => ({ address, alive: true })),
  ...(values['http-port'] === undefined ? {} : { httpPort: parsePort(values['http-port']) }),
  idleCheck: {
    enabled: idleCheckSeconds !== undefined,
    ...(idleCheckSeconds === undefined ? {} : { intervalSeconds: idleCheckSeconds }),
  },
});
if (values['assume-alive']) simulator.liveness.defaultOutcome = { ok: true };

await simulator.start();
const loadFile = values['load-file'];
let lastLoad = '';
const loadTimer =
  loadFile === undefined
    ? undefined
    : setInterval(() => {
        readFile(loadFile, 'utf8')
          .then((text) => {
            if (text === lastLoad) return;
            lastLoad = text;
            const parsed = loadSchema.safeParse(JSON.parse(text));
            if (parsed.success) simulator.setLoad(parsed.data);
            else process.stderr.write(`fe-simulator: ${loadFile}: ${parsed.error.message}\n`);
          })
          .catch(() => undefined); // absent or half-written: read again next time
      }, 500);
process.stdout.write(
  `${JSON.stringify({ event: 'listening', ports: simulator.ports, httpPort: simulator.httpPort, version, hostMode, pid: process.pid })}\n`,
);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  clearInterval(loadTimer);
  void simulator.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
