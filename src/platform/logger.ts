import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs (pino). Secrets never go into a log line: callers pass ids, not passwords; the redact list
 * is a second line of defence for fields that might carry one.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino({
    level: options.level ?? process.env.SUNPLUG_LOG_LEVEL ?? 'info',
    base: { app: 'sunplug' },
    redact: { paths: ['password', '*.password', 'authorization', '*.authorization', 'token', '*.token'], censor: '[redacted]' },
  }, options.destination as pino.DestinationStream | undefined);
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
