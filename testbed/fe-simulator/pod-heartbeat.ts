// The heartbeat of the real-node tier: the FE simulator dials the CN emulator in a real pod, as the leader FE dials
// a CN's heartbeat port. The real CN speaks thrift there; the emulator answers plain HTTP
// (testbed/cn-emulator/process.ts): GET /heartbeat -> {"status":"OK"|"SHUTDOWN", "bePort", "httpPort", ...}.
//
// Only addresses inside the real node's bridge subnet are dialed (the network rule's one exception: pods in
// namespaces the test made, on a bridge the test made); any other address fails like a closed port.
import http from 'node:http';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { HeartbeatOutcome, HeartbeatProbe } from './heartbeat.js';

const answerSchema = z.object({
  status: z.enum(['OK', 'SHUTDOWN']),
  bePort: z.number().int().optional(),
  httpPort: z.number().int().optional(),
  brpcPort: z.number().int().optional(),
  version: z.string().optional(),
});

/** Whether an IPv4 address lies in `a.b.c.0/24`-style subnet `cidr` (any prefix length). Pure. */
export function inSubnet(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (base === undefined || isIP(address) !== 4 || isIP(base) !== 4 || !Number.isInteger(bits)) return false;
  const toNumber = (ip: string): number => ip.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  const size = 2 ** (32 - bits);
  return Math.floor(toNumber(address) / size) === Math.floor(toNumber(base) / size);
}

/** What one heartbeat answer means for the FE. Pure. */
export function heartbeatOutcome(status: number, body: string): HeartbeatOutcome {
  if (status !== 200) return { ok: false, error: `heartbeat answered HTTP ${status}` };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, error: 'heartbeat answer is not JSON' };
  }
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) return { ok: false, error: 'heartbeat answer has an unexpected shape' };
  const answer = parsed.data;
  if (answer.status === 'SHUTDOWN') return { ok: false, shutdown: true };
  return {
    ok: true,
    ports: {
      ...(answer.bePort === undefined ? {} : { bePort: answer.bePort }),
      ...(answer.httpPort === undefined ? {} : { httpPort: answer.httpPort }),
      ...(answer.brpcPort === undefined ? {} : { brpcPort: answer.brpcPort }),
    },
    ...(answer.version === undefined ? {} : { version: answer.version }),
  };
}

export function podHeartbeatProbe(subnet: string, timeoutMs: number): HeartbeatProbe {
  return (target) => {
    if (!inSubnet(target.host, subnet)) {
      return Promise.resolve({ ok: false, error: 'java.net.ConnectException: Connection refused' });
    }
    return new Promise((resolve) => {
      const request = http.get(
        { host: target.host, port: target.port, path: '/heartbeat', timeout: timeoutMs },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            if (body.length < 4096) body += chunk;
          });
          response.on('end', () => {
            resolve(heartbeatOutcome(response.statusCode ?? 0, body));
          });
          // A CN that dies mid-answer may only close the connection; no effect once 'end' resolved.
          response.on('close', () => {
            resolve({ ok: false, error: 'java.net.SocketException: Connection reset' });
          });
        },
      );
      request.on('timeout', () => {
        request.destroy();
        resolve({ ok: false, error: 'java.net.SocketTimeoutException: Read timed out' });
      });
      request.on('error', () => {
        resolve({ ok: false, error: 'java.net.ConnectException: Connection refused' });
      });
    });
  };
}
