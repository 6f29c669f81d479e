/**
 * The poller with real meters over real TCP, some of them broken in the ways devices break: one answers with "not
 * implemented" everywhere (garbage), one drops the connection mid-read, one never answers, one answers exception 4.
 * Each broken meter gets a clear error and goes stale within its bound; the healthy meter keeps being read every
 * second throughout, and nothing crashes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MeterPoller, type PolledMeter } from '../../src/devices/meter-poller.ts';
import { ModbusLinkPool } from '../../src/devices/modbus/modbus-link.ts';
import { createSunSpecMeter } from '../../src/devices/sunspec/sunspec-meter.ts';
import type { MeterRole } from '../../src/domain/meter-reading.ts';
import { FakeClock, RealClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { startModbusServer, type ModbusSimServer } from '../../src/sim/modbus-server.ts';
import { createSunSpecGridMeter } from '../../src/sim/sunspec-device.ts';
import { eventually } from '../support/eventually.ts';
import { RawModbusPeer } from './support/raw-modbus-peer.ts';

const MAX_AGE_MS = 3000;

describe('MeterPoller with broken devices next to a healthy one', () => {
  const clock = new FakeClock(Date.UTC(2026, 5, 21, 12, 0, 0));
  let server: ModbusSimServer;
  let dropper: RawModbusPeer;
  let silent: RawModbusPeer;
  let failing: RawModbusPeer;
  let pool: ModbusLinkPool;
  let poller: MeterPoller;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    const healthy = createSunSpecGridMeter({ manufacturer: 'Acme', model: 'Good', serial: 'G-1' });
    healthy.setPowerW(1200, [400, 400, 400]);
    const garbage = createSunSpecGridMeter({ manufacturer: 'Acme', model: 'Garbage', serial: 'G-2' });
    for (const point of ['W', 'WphA', 'WphB', 'WphC']) garbage.set(203, point, undefined);
    server = await startModbusServer({ units: [[1, healthy], [2, garbage]] });
    dropper = await RawModbusPeer.start((_frame, socket) => socket.destroy());
    silent = await RawModbusPeer.start(() => undefined);
    failing = await RawModbusPeer.start((frame, socket, peer) => peer.exception(socket, frame, 4));
    pool = new ModbusLinkPool({ clock: new RealClock(), logger: silentLogger(), timeoutMs: 150, interFrameGapMs: 0, parkAfterTimeouts: 2, parkInitialMs: 60_000 });
    const meter = (id: string, port: number, unit: number, role: MeterRole = 'grid'): PolledMeter => ({
      driver: createSunSpecMeter({ id, role, link: pool.get('127.0.0.1', port), unit, clock, logger: silentLogger() }),
      role, intervalMs: 1000, maxAgeMs: MAX_AGE_MS,
    });
    poller = new MeterPoller([
      meter('healthy', server.port, 1), meter('garbage', server.port, 2), meter('dropper', dropper.port, 1),
      meter('silent', silent.port, 1), meter('failing', failing.port, 1),
    ], clock, silentLogger());
  });
  after(async () => {
    await poller?.stop();
    await pool?.close();
    await server?.close();
    await Promise.all([dropper?.close(), silent?.close(), failing?.close()]);
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, []);
  });

  /** Lets every meter finish the poll that started at the current time. */
  const settle = (sinceMs: number): Promise<true> => eventually(() => poller.healthReport()
    .every((m) => (m.lastSuccessAtMs ?? -1) >= sinceMs || (m.lastErrorAtMs ?? -1) >= sinceMs) || undefined, 'every meter polled');

  it('keeps the healthy meter fresh while the others fail clearly and go stale', async () => {
    const startMs = clock.nowMs();
    poller.start();
    await settle(startMs);
    for (let round = 1; round <= 5; round++) {
      await clock.advance(1000);
      await settle(clock.nowMs());
    }
    const health = new Map(poller.healthReport().map((h) => [h.id, h]));
    const healthy = health.get('healthy')!;
    assert.equal(healthy.stale, false);
    assert.equal(healthy.errorCount, 0);
    assert.equal(healthy.readCount, 6, 'read once a second throughout');
    assert.equal(healthy.lastSuccessAtMs, clock.nowMs());
    assert.equal(poller.latestByRole('grid')?.powerW, 1200);

    for (const id of ['garbage', 'dropper', 'silent', 'failing']) {
      const h = health.get(id)!;
      assert.equal(h.stale, true, `${id} is stale`);
      assert.equal(h.readCount, 0, `${id} never gave a reading`);
      assert.ok(h.errorCount >= 5, `${id} failed every poll (${h.errorCount})`);
    }
    assert.match(health.get('garbage')!.lastError ?? '', /^grid meter 127\.0\.0\.1:\d+ unit 2: no power: W and per-phase W are not implemented$/);
    assert.match(health.get('dropper')!.lastError ?? '', /^grid meter 127\.0\.0\.1:\d+ unit 1: (connection closed|not connected, next attempt in \d+ ms \(last error: connection closed\))$/);
    assert.match(health.get('silent')!.lastError ?? '', /^grid meter 127\.0\.0\.1:\d+ unit 1: not answering \(2 timeouts in a row\), parked for another \d+ ms$/);
    assert.match(health.get('failing')!.lastError ?? '', /^grid meter 127\.0\.0\.1:\d+ unit 1: Modbus exception 4 \(server device failure\)$/);
    assert.ok(silent.frames.length <= 2, `a parked meter stops costing requests (${silent.frames.length} sent)`);
  });
});
