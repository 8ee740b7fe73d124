import { pino, type Logger } from 'pino';
import { secrets } from './redact.ts';

export type { Logger };

export interface LogOptions {
  level?: string;
  name?: string;
}

/**
 * JSON logs on stdout (pino). Every string field and message passes through the secret registry,
 * so a camera URL with a password or a publish secret cannot reach a log line.
 */
export function createLogger(options: LogOptions = {}): Logger {
  return pino({
    name: options.name ?? 'lookout',
    level: options.level ?? process.env.LOOKOUT_LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret'], censor: '***' },
    hooks: {
      logMethod(args, method) {
        const cleaned = args.map((arg) => scrub(arg)) as Parameters<typeof method>;
        method.apply(this, cleaned);
      },
    },
  });
}

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return secrets.redact(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const copy = new Error(secrets.redact(value.message));
    copy.name = value.name;
    if (value.stack) copy.stack = secrets.redact(value.stack);
    return copy;
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = scrub(item, depth + 1);
  return out;
}

/** A logger that writes nothing, for tests and one-shot CLI paths. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
