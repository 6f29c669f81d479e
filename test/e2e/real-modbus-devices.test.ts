import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SiteStateView } from '../../src/control/site-state.ts';
import { startSunplug, type RunningSunplug } from '../../src/main.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { SimulatedChargePoint } from '../../src/sim/ocpp-charge-point.ts';
import { validateConfig } from '../../src/store/config-file.ts';
import { startPymodbusServer, type PymodbusServer } from '../devices/support/external-peers.ts';
import { froniusInverterMap, froniusMeterMap } from '../devices/support/fronius-sunspec-maps.ts';
import { eventually } from '../support/eventually.ts';

/**
 * Sunplug reading a PV inverter and grid meter served by pymodbus (a Modbus stack we did not write), with the
 * simulated wallbox on OCPP: the state follows the meter, and a dead meter sends the charger to the safe current.
 */
describe('a site whose meters are served by pymodbus', () => {
  const clock = new FakeClock(Date.UTC(2026, 5, 21, 10, 0, 0));
  let server: PymodbusServer;
  let serverStopped = false;
  let sunplug: RunningSunplug;
  let wallbox: SimulatedChargePoint;
  let dataDir: string;
  const state = async (): Promise<SiteStateView> => await (await fetch(`http://127.0.0.1:${sunplug.httpPort}/api/v1/state`)).json() as SiteStateView;
  const pollOnce = async (): Promise<void> => {
    const before = clock.nowMs();
    await clock.advance(1000);
    await eventually(() => sunplug.poller.healthReport().every((m) => (m.lastSuccessAtMs ?? 0) > before || (m.lastErrorAtMs ?? 0) > before), 'one poll of every meter');
  };

  before(async () => {
    server = await startPymodbusServer({ 1: froniusInverterMap, 240: froniusMeterMap });
    dataDir = await mkdtemp(join(tmpdir(), 'sunplug-pymodbus-site-'));
    const config = validateConfig({
      site: { mainFuseA: 25, gridMeter: 'grid', safeCurrentA: 6 },
      meters: [
        { id: 'grid', role: 'grid', device: 'sunspec', modbus: { host: '127.0.0.1', port: server.port, unit: 240, timeoutMs: 500 }, pollIntervalMs: 1000, maxAgeMs: 5000 },
        { id: 'pv', role: 'pv', device: 'sunspec', modbus: { host: '127.0.0.1', port: server.port, unit: 1, timeoutMs: 500 }, pollIntervalMs: 1000 },
      ],
      chargers: [{ id: 'garage', mode: 'fast' }],
      ocpp: { port: 0, host: '127.0.0.1', securityProfile: 0 },
      http: { port: 0, host: '127.0.0.1' },
    });
    sunplug = await startSunplug({ config, dataDir, clock, logger: silentLogger(), demo: false, modbusInterFrameGapMs: 0, authentication: 'off' });
    wallbox = new SimulatedChargePoint({ id: 'garage', url: sunplug.ocppUrl, clock, voltageV: 230 });
    await wallbox.start();
    await wallbox.plugIn();
  });
  after(async () => {
    await wallbox?.stop();
    await sunplug?.close();
    if (!serverStopped) await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows the grid and PV power of the pymodbus meters within one poll', async () => {
    await pollOnce();
    const s = await state();
    assert.equal(s.site.gridPowerW, -2345.5);
    assert.equal(s.site.pvPowerW, 1234.5);
    assert.equal(s.site.gridStale, false);
    // Device health per meter: last success, errors and latency.
    const grid = s.meters.find((m) => m.id === 'grid');
    assert.equal(grid?.stale, false);
    assert.equal(grid?.errorCount, 0);
    assert.ok((grid?.readCount ?? 0) >= 1);
    assert.equal(grid?.lastSuccessAtMs, clock.nowMs());
    assert.equal(typeof grid?.latencyMs, 'number');
  });

  it('follows a new meter value at the next poll', async () => {
    // -1000.0 W as float32 0xC47A0000, written into model 213's W (offset 28 of the model at 40070).
    await server.set(240, 40070 + 28, [0xc47a, 0x0000]);
    await pollOnce();
    assert.equal((await state()).site.gridPowerW, -1000);
  });

  it('a fast charger gets its limit while the meter is alive', async () => {
    await eventually(() => sunplug.ocpp.adapterFor('garage')?.snapshot().vehicleConnected, 'the car plugged in');
    for (let i = 0; i < 3; i++) await pollOnce();
    await eventually(() => wallbox.offeredCurrentA === 16 || undefined, 'the wallbox offering 16 A');
  });

  it('a dead grid meter is marked stale within its freshness bound and the charger drops to the safe current', async () => {
    await server.stop();
    serverStopped = true;
    const diedAtMs = clock.nowMs();
    const staleAt = await (async () => {
      for (let i = 0; i < 10; i++) {
        await pollOnce();
        const s = await state();
        if (s.site.gridStale) return clock.nowMs();
      }
      return undefined;
    })();
    assert.ok(staleAt !== undefined && staleAt - diedAtMs <= 6000, `stale after ${(staleAt ?? NaN) - diedAtMs} ms (bound 5000 ms + one poll)`);
    const s = await state();
    assert.equal(s.site.gridPowerW, null, 'no stale number is shown');
    const health = s.meters.find((m) => m.id === 'grid');
    assert.equal(health?.stale, true);
    assert.ok((health?.errorCount ?? 0) >= 1);
    assert.ok((health?.lastSuccessAtMs ?? Infinity) <= diedAtMs, 'the last success predates the death');
    assert.match(health?.lastError ?? '', new RegExp(`^grid meter 127\\.0\\.0\\.1:${server.port} unit 240: (connection closed|cannot connect|not connected|timed out)`));
    await eventually(() => wallbox.offeredCurrentA === 6 || undefined, 'the wallbox at the 6 A safe current');
    assert.equal(s.chargers[0]!.reason, 'stale-meter');
  });
});
