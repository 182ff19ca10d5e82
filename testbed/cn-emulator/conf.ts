// The part of cn.conf the CN emulator reads: the ports (parsed by the operator's own cn.conf reader, so the
// emulator and the operator agree on key names and defaults) and how long a graceful exit waits for fragments.
import { parseCnConf, type CnPorts } from '../../src/cnconf/index.js';

/**
 * StarRocks' own setting: on a graceful exit a CN waits `loop_count_wait_fragments_finish` loops of 10 s for
 * running fragments (default 2 since 3.4.5, so 20 s).
 */
export const WAIT_LOOP_KEY = 'loop_count_wait_fragments_finish';
export const WAIT_LOOP_SECONDS = 10;
export const DEFAULT_WAIT_LOOPS = 2;
/** Emulator only: the same bound in whole seconds, for tests that cannot wait in 10 s steps. Wins when set. */
export const GRACEFUL_EXIT_SECONDS_KEY = 'emulator_graceful_exit_seconds';

export interface EmulatorConf {
  ports: CnPorts;
  /** How long a graceful exit waits for running fragments before it cuts them off. */
  gracefulExitMs: number;
}

export type EmulatorConfResult = { ok: true; value: EmulatorConf } | { ok: false; errors: string[] };

export function parseEmulatorConf(text: string): EmulatorConfResult {
  const ports = parseCnConf(text);
  const errors = ports.ok ? [] : ports.errors.map((error) => error.message);
  const values = confValues(text);
  const loops = wholeNumber(values, WAIT_LOOP_KEY, errors);
  const seconds = wholeNumber(values, GRACEFUL_EXIT_SECONDS_KEY, errors);
  if (!ports.ok || errors.length > 0) return { ok: false, errors };
  const gracefulExitSeconds = seconds ?? (loops ?? DEFAULT_WAIT_LOOPS) * WAIT_LOOP_SECONDS;
  return { ok: true, value: { ports: ports.value, gracefulExitMs: gracefulExitSeconds * 1000 } };
}

/** `key = value` lines, the last one of a key winning; `#` starts a comment (whole line, or after white space). */
function confValues(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    if (equals < 0) continue; // parseCnConf reports it
    const value = line.slice(equals + 1).replace(/\s#.*$/, '');
    values.set(line.slice(0, equals).trim(), value.trim());
  }
  return values;
}

function wholeNumber(values: Map<string, string>, key: string, errors: string[]): number | undefined {
  const value = values.get(key);
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,6}$/.test(value)) {
    errors.push(`${key} must be a whole number, found ${JSON.stringify(value)}`);
    return undefined;
  }
  return Number(value);
}
