// Talking to the CN emulators in real pods (their IPs are on the test's bridge, the one place besides loopback a
// test may dial): long-running "fragments" whose end tells whether a CN stopped gracefully, and its stop state.
import http from 'node:http';
import { inSubnet } from '../fe-simulator/pod-heartbeat.js';
import { REAL_NODE_NET } from './layout.js';

/**
 * `finished`: the CN answered the whole fragment. `refused`: the CN was stopping and took no new work. `cut`: the
 * CN accepted the fragment (its status line arrived) and the connection died before the answer, as a query whose
 * CN is killed. `unreachable`: no CN took the request (gone already), which is not a fragment lost.
 */
export type FragmentOutcome = 'finished' | 'refused' | 'cut' | 'unreachable';

const HTTP_PORT = 8040;

function checkPodIp(ip: string): void {
  if (!inSubnet(ip, REAL_NODE_NET.subnet)) throw new Error(`${ip} is not a pod address of the real node's bridge`);
}

/** Runs a fragment of `ms` on the CN at `ip` and says how it ended. */
export function runFragment(ip: string, ms: number): Promise<FragmentOutcome> {
  checkPodIp(ip);
  return new Promise((resolve) => {
    let accepted = false;
    const request = http.request(
      { host: ip, port: HTTP_PORT, method: 'POST', path: `/test/fragments?ms=${ms}`, timeout: ms + 120_000 },
      (response) => {
        if (response.statusCode === 503) {
          response.resume();
          resolve('refused');
          return;
        }
        accepted = response.statusCode === 200;
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          resolve(body.includes('"finished"') ? 'finished' : 'cut');
        });
        response.on('aborted', () => {
          resolve('cut');
        });
        response.on('error', () => {
          resolve('cut');
        });
        // A connection that dies mid-answer may only close (no end, no error): that too is a fragment cut off.
        response.on('close', () => {
          resolve(body.includes('"finished"') ? 'finished' : 'cut');
        });
      },
    );
    request.on('timeout', () => {
      request.destroy();
      resolve(accepted ? 'cut' : 'unreachable');
    });
    request.on('error', () => {
      resolve(accepted ? 'cut' : 'unreachable');
    });
    request.end();
  });
}

export interface FragmentState {
  readonly running: number;
  readonly finished: number;
  readonly refused: number;
  readonly stopping: boolean;
}

/** The CN's fragment counters and whether it is stopping gracefully; undefined when it does not answer. */
export function fragmentState(ip: string, timeoutMs = 1_000): Promise<FragmentState | undefined> {
  checkPodIp(ip);
  return new Promise((resolve) => {
    const request = http.get({ host: ip, port: HTTP_PORT, path: '/test/fragments', timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('close', () => {
        resolve(undefined); // no effect after 'end' resolved; a CN that died mid-answer
      });
      response.on('end', () => {
        try {
          const parsed = JSON.parse(body) as Partial<FragmentState>;
          resolve(
            typeof parsed.stopping === 'boolean'
              ? {
                  running: Number(parsed.running),
                  finished: Number(parsed.finished),
                  refused: Number(parsed.refused),
                  stopping: parsed.stopping,
                }
              : undefined,
          );
        } catch {
          resolve(undefined);
        }
      });
    });
    request.on('timeout', () => {
      request.destroy();
      resolve(undefined);
    });
    request.on('error', () => {
      resolve(undefined);
    });
  });
}
