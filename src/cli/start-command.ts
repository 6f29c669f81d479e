import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSunplug } from '../main.ts';
import { RealClock, ScaledClock, type Clock } from '../platform/clock.ts';
import { exitOnSignals } from '../platform/lifecycle.ts';
import { LogTail } from '../platform/log-tail.ts';
import { createLogger } from '../platform/logger.ts';
import { ConfigError, loadConfigFile } from '../store/config-file.ts';
import { defaultDemoStartMs, startDemoDevices, DEMO_TIMEZONE } from '../sim/demo-site.ts';

/** `sunplug start`: a real installation with --config, otherwise (or with --demo) the demo with simulated devices. */
export async function startCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      demo: { type: 'boolean', default: false },
      speed: { type: 'string' },
      'demo-start': { type: 'string' },
      'http-port': { type: 'string' },
      'ocpp-port': { type: 'string' },
    },
  });
  // The last log lines stay in memory for the diagnostics bundle (GET /api/v1/diagnostics).
  const logTail = new LogTail(process.stdout);
  const logger = createLogger({ destination: logTail });
  const configFile = values.config ?? process.env.SUNPLUG_CONFIG;
  const dataDir = resolve(values['data-dir'] ?? process.env.SUNPLUG_DATA_DIR ?? './data');
  const demo = values.demo || configFile === undefined;
  const speed = values.speed === undefined ? 1 : Number(values.speed);
  if (!(speed > 0 && speed <= 3600)) return usageError('--speed takes a number between 0 and 3600');
  const httpPort = optionalPort(values['http-port'], '--http-port');
  const ocppPort = optionalPort(values['ocpp-port'], '--ocpp-port');
  if (httpPort === null || ocppPort === null) return 2;

  let config;
  try {
    config = configFile === undefined ? undefined : await loadConfigFile(configFile);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  await mkdir(dataDir, { recursive: true });

  let clock: Clock = new RealClock();
  let demoDevices: Awaited<ReturnType<typeof startDemoDevices>> | undefined;
  if (demo) {
    const startMs = values['demo-start'] === undefined
      ? defaultDemoStartMs(new Date(new RealClock().nowMs()).getUTCFullYear(), config?.site.timezone ?? DEMO_TIMEZONE)
      : Date.parse(values['demo-start']);
    if (Number.isNaN(startMs)) return usageError('--demo-start takes an ISO 8601 time, e.g. 2026-06-21T09:00:00+02:00');
    clock = new ScaledClock(speed, startMs);
    demoDevices = await startDemoDevices({ clock, logger: logger.child({ part: 'demo' }), seed: 1 });
    config = demoDevices.config;
    logger.info({ speed, startAt: new Date(startMs).toISOString() }, 'demo mode: simulated devices on 127.0.0.1');
  }
  if (config === undefined) return usageError('no config');
  if (httpPort !== undefined) config = { ...config, http: { ...config.http, port: httpPort } };
  if (ocppPort !== undefined) config = { ...config, ocpp: { ...config.ocpp, port: ocppPort } };

  // Every start from the command line, the demo included, requires a login (the first visit sets the password).
  const sunplug = await startSunplug({ config, dataDir, clock, logger, demo, authentication: 'required', recentLogLines: () => logTail.lines(), ...(configFile !== undefined && !demo ? { configFile } : {}) });
  await demoDevices?.connectWallboxes(sunplug.ocppUrl);
  logger.info({ dashboard: `http://localhost:${sunplug.httpPort}/`, ocpp: sunplug.ocppUrl }, 'Sunplug is running');
  exitOnSignals(async () => {
    await demoDevices?.stopWallboxes();
    await sunplug.close();
    await demoDevices?.close();
  }, logger);
  return 0;
}

function usageError(message: string): number {
  process.stderr.write(`sunplug start: ${message}\n`);
  return 2;
}

function optionalPort(value: string | undefined, name: string): number | undefined | null {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (Number.isInteger(port) && port >= 0 && port <= 65535) return port;
  process.stderr.write(`sunplug start: ${name} takes a port number 0..65535\n`);
  return null;
}
