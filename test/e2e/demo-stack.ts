import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSunplug, type RunningSunplug } from '../../src/main.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { startDemoDevices, type DemoDevices } from '../../src/sim/demo-site.ts';
import type { SunplugConfig } from '../../src/store/config-schema.ts';
import { eventually } from '../support/eventually.ts';

/** Noon in Berlin on midsummer day: the sun is up and the household quiet for the whole test. */
export const DEMO_TEST_START_MS = Date.UTC(2026, 5, 21, 10, 0, 0);

export interface DemoStack {
  clock: FakeClock;
  demo: DemoDevices;
  sunplug: RunningSunplug;
  dataDir: string;
  baseUrl: string;
  /** Advances simulated time second by second, letting each second's Modbus and OCPP traffic complete. */
  runSeconds(seconds: number): Promise<void>;
  /** Runs simulated seconds until `check` holds; fails after `maxSeconds`. */
  runUntil<T>(check: () => T | undefined | false, what: string, maxSeconds: number): Promise<T>;
  close(): Promise<void>;
}

/**
 * The whole demo stack on a fake clock: simulated inverter, grid meter and wallbox on loopback ports, and Sunplug
 * with its HTTP API on an ephemeral port.
 */
export async function startDemoStack(options: {
  dataDir?: string; pvW?: number; configure?: (config: SunplugConfig) => SunplugConfig;
  /** Login for the API and the socket; off unless a test is about authentication. */
  authentication?: 'required' | 'off';
} = {}): Promise<DemoStack> {
  const clock = new FakeClock(DEMO_TEST_START_MS);
  const logger = silentLogger();
  const dataDir = options.dataDir ?? await mkdtemp(join(tmpdir(), 'sunplug-e2e-'));
  const demo = await startDemoDevices({ clock, logger, seed: 1 });
  demo.setPvOverrideW(options.pvW ?? 0);
  const base = {
    ...demo.config,
    http: { port: 0, host: '127.0.0.1' },
    ocpp: { ...demo.config.ocpp, port: 0, host: '127.0.0.1' },
  };
  const config = options.configure ? options.configure(base) : base;
  const sunplug = await startSunplug({ config, dataDir, clock, logger, demo: true, modbusInterFrameGapMs: 0, authentication: options.authentication ?? 'off' });
  const connecting = demo.connectWallboxes(sunplug.ocppUrl);
  await connecting;
  await eventually(() => sunplug.ocpp.adapterFor('garage')?.snapshot().vehicleConnected, 'the demo car to be plugged in');

  const runSeconds = async (seconds: number): Promise<void> => {
    for (let i = 0; i < seconds; i++) {
      await clock.advance(1000);
      await eventually(() => (sunplug.poller.latestByRole('grid')?.atMs ?? 0) >= clock.nowMs(), 'this second\'s grid reading');
    }
  };
  return {
    clock, demo, sunplug, dataDir, baseUrl: `http://127.0.0.1:${sunplug.httpPort}`,
    runSeconds,
    async runUntil(check, what, maxSeconds) {
      for (let i = 0; i <= maxSeconds; i++) {
        const value = check();
        if (value !== undefined && value !== false) return value;
        await runSeconds(1);
      }
      throw new Error(`${what} did not happen within ${maxSeconds} simulated seconds`);
    },
    async close() {
      await demo.stopWallboxes();
      await sunplug.close();
      await demo.close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
