// JSON-lines logging shared by the manager and the components. Secrets never reach a log line: the paths below
// are redacted wherever they appear, and callers must not put credentials in messages.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

const REDACTED_PATHS = [
  'password',
  '*.password',
  'FE_PWD',
  '*.FE_PWD',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
];

export interface LoggerOptions {
  /** The program or component name, printed as `logger` on every line. */
  name: string;
  level?: LevelWithSilent;
  /** Where lines go; standard output when absent. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? parseLevel(process.env['LOG_LEVEL']) ?? 'info';
  // No pino `name`: it would print a second "name" key beside the object names the operator logs.
  const config = {
    level,
    base: { logger: options.name },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

const LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function parseLevel(value: string | undefined): LevelWithSilent | undefined {
  if (value === undefined) return undefined;
  const lowered = value.trim().toLowerCase();
  return LEVELS.find((level) => level === lowered);
}
