import type { Logger } from './logger.ts';

/**
 * Graceful shutdown on SIGINT/SIGTERM: run `close` once (finish writes, close sockets), then exit 0. A second signal
 * while closing, or a close that hangs past `forceAfterMs`, exits 1 so that a service manager is never stuck.
 */
export function exitOnSignals(close: () => Promise<void>, logger: Logger, forceAfterMs = 10_000): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, forceAfterMs);
    force.unref();
    close().then(() => {
      logger.info('stopped');
      logger.flush?.();
      process.exit(0);
    }, (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
