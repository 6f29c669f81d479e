/**
 * Modbus RTU: Sunplug's link and meters on one end of a socat pseudo-terminal pair, a pymodbus RTU server on the
 * other (an independent stack, with register maps written out by hand), and RTU frames through a TCP "gateway"
 * (pymodbus' TCP server with the RTU framer). Two devices share the bus: a SunSpec float meter on unit 1 and an
 * Eastron SDM630 (float32 input registers) on unit 2; a unit nobody serves times out and is parked while the others
 * keep being read. Skipped, with the reason, only when socat or pymodbus is not installed (CI installs both).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModbusError, ModbusLinkPool, rtuFrameGapMs, transportName, type ModbusTransport } from '../../src/devices/modbus/modbus-link.ts';
import { createConfiguredMeter, type MeterSettings } from '../../src/devices/profiles/configured-meter.ts';
import { ProfileCatalog } from '../../src/devices/profiles/profile-catalog.ts';
import { RealClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { hasPymodbus, startPymodbusServer, type PymodbusServer, type RegisterMap } from './support/external-peers.ts';
import { froniusMeterMap } from './support/fronius-sunspec-maps.ts';
import { hasSocat, startPtyPair, type PtyPair } from './support/pty-pair.ts';

const missingPeer = !(await hasSocat()) ? 'socat is not installed (apt-get install socat)'
  : !(await hasPymodbus()) ? 'pymodbus with serial support is not importable by /usr/bin/python3 (apt-get install python3-pymodbus)'
    : undefined;

// Eastron SDM630 on unit 2, input registers (the fake serves the same words for FC3 and FC4), float32 high word first.
const sdm630: [number, number[]][] = [
  [0x00, [0x4366, 0x8000, 0x4367, 0x4000, 0x4365, 0xc000, // V 230.5, 231.25, 229.75
    0x4090, 0x0000, 0x4010, 0x0000, 0x3f00, 0x0000, // A 4.5, 2.25, 0.5 (magnitudes)
    0x4481, 0x6000, 0xc401, 0x6000, 0x42e6, 0x0000]], // W 1035, -517.5, 115
  [0x34, [0x441e, 0x2000]], // total 632.5 W
  [0x48, [0x4640, 0xe600, 0x4429, 0x9000]], // import 12345.5 kWh, export 678.25 kWh
];
const BUS: RegisterMap = { 1: froniusMeterMap, 2: sdm630 };
const GHOST_UNIT = 9;
const TIMEOUT_MS = 250;

const sdmReading = {
  powerW: 632.5, phasePowersW: [1035, -517.5, 115], phaseCurrentsA: [4.5, -2.25, 0.5],
  phaseVoltagesV: [230.5, 231.25, 229.75], importEnergyWh: 12_345_500, exportEnergyWh: 678_250,
};

function withoutTime<T extends { atMs: number }>(reading: T): Omit<T, 'atMs'> {
  const { atMs: _atMs, ...rest } = reading;
  return rest;
}

async function failure(promise: Promise<unknown>): Promise<{ error: Error; modbus: ModbusError | undefined }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    const modbus = error instanceof ModbusError ? error : error.cause instanceof ModbusError ? error.cause : undefined;
    return { error, modbus };
  }
  assert.fail('expected the read to fail');
}

/** Both devices and a ghost on one bus, reached through `modbus` (a serial port or an RTU gateway). */
function busTests(name: string, setUp: () => Promise<{ modbus: MeterSettings['modbus']; transport: ModbusTransport; server: PymodbusServer; close(): Promise<void> }>): void {
  describe(name, { skip: missingPeer }, () => {
    let bus: Awaited<ReturnType<typeof setUp>>;
    let pool: ModbusLinkPool;
    const clock = new RealClock();
    const profiles = new ProfileCatalog();
    const meter = (id: string, device: MeterSettings['device'], unit: number) =>
      createConfiguredMeter({ id, role: 'grid', device, modbus: { ...bus.modbus, unit, timeoutMs: TIMEOUT_MS } }, { links: pool, profiles, clock, logger: silentLogger() });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

    before(async () => {
      process.on('unhandledRejection', onUnhandled);
      bus = await setUp();
      pool = new ModbusLinkPool({ clock, logger: silentLogger(), timeoutMs: TIMEOUT_MS, parkAfterTimeouts: 2, parkInitialMs: 60_000 });
    });
    after(async () => {
      await pool?.close();
      await bus?.close();
      process.off('unhandledRejection', onUnhandled);
      assert.deepEqual(unhandled, []);
    });

    it('reads a SunSpec meter and an SDM630 on two unit ids of the same bus, also when asked at once', async () => {
      const sunspec = meter('grid', 'sunspec', 1);
      const sdm = meter('sub', 'eastron-sdm630', 2);
      const first = await sunspec.read();
      assert.equal(first.powerW, -2345.5);
      assert.deepEqual(first.phasePowersW, [-800, -800, -745.5]);
      assert.deepEqual(withoutTime(await sdm.read()), sdmReading);
      // modbus-serial's RTU port holds one pending request; the link's queue must keep parallel reads apart.
      const [a, b, c] = await Promise.all([sunspec.read(), sdm.read(), sunspec.read()]);
      assert.equal(a.powerW, -2345.5);
      assert.equal(b.powerW, 632.5);
      assert.equal(c.powerW, -2345.5);
    });

    it('follows live changes of the device', async () => {
      const sdm = meter('sub', 'eastron-sdm630', 2);
      await bus.server.set(2, 0x34, [0xc47a, 0x0000]); // -1000 W
      assert.equal((await sdm.read()).powerW, -1000);
      await bus.server.set(2, 0x34, [0x441e, 0x2000]);
    });

    it('times out on a unit nobody serves, parks it, and keeps reading the others', async () => {
      const ghost = meter('ghost', 'eastron-sdm630', GHOST_UNIT);
      const sdm = meter('sub', 'eastron-sdm630', 2);
      const sunspec = meter('grid', 'sunspec', 1);
      for (let attempt = 1; attempt <= 2; attempt++) {
        const { error, modbus } = await failure(ghost.read());
        assert.equal(modbus?.kind, 'timeout', error.message);
        assert.equal(error.message, `grid meter ${transportName(bus.transport)} unit ${GHOST_UNIT} (eastron-sdm630): timed out after ${TIMEOUT_MS} ms`);
        assert.equal((await sdm.read()).powerW, 632.5, 'the bus stays usable between timeouts');
      }
      const startedMs = Date.now();
      const { error, modbus } = await failure(ghost.read());
      assert.equal(modbus?.kind, 'parked', error.message);
      assert.match(error.message, /not answering \(2 timeouts in a row\), parked for another \d+ ms/);
      assert.ok(Date.now() - startedMs < TIMEOUT_MS, 'a parked unit fails at once instead of costing the bus a timeout');
      const link = pool.forTransport(bus.transport);
      assert.deepEqual(link.parkedUnits().map((p) => p.unit), [GHOST_UNIT]);
      assert.equal((await sunspec.read()).powerW, -2345.5);
      assert.deepEqual(withoutTime(await sdm.read()), sdmReading);
    });
  });
}

busTests('Modbus RTU on a serial port (socat pty pair, pymodbus RTU server at 9600 8N1)', async () => {
  const pty: PtyPair = await startPtyPair();
  try {
    const server = await startPymodbusServer(BUS, { kind: 'rtu', path: pty.server, baudRate: 9600 });
    return {
      modbus: { serial: { path: pty.client, baudRate: 9600 } }, server,
      transport: { kind: 'rtu', path: pty.client, baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 },
      close: async () => {
        await server.stop();
        await pty.close();
      },
    };
  } catch (error) {
    await pty.close();
    throw error;
  }
});

busTests('Modbus RTU over TCP (pymodbus TCP server with the RTU framer)', async () => {
  const server = await startPymodbusServer(BUS, { kind: 'rtu-over-tcp' });
  return {
    modbus: { rtuOverTcp: { host: '127.0.0.1', port: server.port } }, server,
    transport: { kind: 'rtu-over-tcp', host: '127.0.0.1', port: server.port },
    close: () => server.stop(),
  };
});

describe('an RS-485 adapter that disappears and comes back', { skip: missingPeer }, () => {
  it('fails the reads clearly while it is gone, backs off, and reopens the port when it is back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sunplug-replug-'));
    let pty = await startPtyPair(dir);
    let server = await startPymodbusServer(BUS, { kind: 'rtu', path: pty.server, baudRate: 9600 });
    const pool = new ModbusLinkPool({ clock: new RealClock(), logger: silentLogger(), timeoutMs: TIMEOUT_MS, backoffInitialMs: 100, backoffMaxMs: 400 });
    const sdm = createConfiguredMeter({ id: 'sub', role: 'grid', device: 'eastron-sdm630', modbus: { serial: { path: pty.client, baudRate: 9600 }, unit: 2, timeoutMs: TIMEOUT_MS } },
      { links: pool, profiles: new ProfileCatalog(), clock: new RealClock(), logger: silentLogger() });
    try {
      assert.equal((await sdm.read()).powerW, 632.5);
      await server.stop();
      await pty.close(); // unplugged: the pty vanishes
      const kinds = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const { error, modbus } = await failure(sdm.read());
        assert.ok(modbus !== undefined, error.message);
        kinds.add(modbus.kind);
      }
      assert.ok([...kinds].every((k) => ['closed', 'timeout', 'connect', 'backoff'].includes(k)), [...kinds].join(', '));
      pty = await startPtyPair(dir); // plugged in again at the same path
      server = await startPymodbusServer(BUS, { kind: 'rtu', path: pty.server, baudRate: 9600 });
      const started = Date.now();
      let reading: number | undefined;
      while (reading === undefined && Date.now() - started < 5000) {
        reading = await sdm.read().then((r) => r.powerW, () => undefined);
      }
      assert.equal(reading, 632.5, 'reads again once the adapter is back');
    } finally {
      await pool.close();
      await server.stop();
      await pty.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('RTU framing arithmetic', () => {
  it('waits at least 3.5 character times between frames, 1.75 ms above 19200 baud', () => {
    assert.equal(rtuFrameGapMs({ baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 }).toFixed(3), '3.646'); // 10 bits a character
    assert.equal(rtuFrameGapMs({ baudRate: 2400, parity: 'even', dataBits: 8, stopBits: 1 }).toFixed(3), '16.042'); // 11 bits
    assert.equal(rtuFrameGapMs({ baudRate: 19200, parity: 'none', dataBits: 8, stopBits: 2 }).toFixed(3), '2.005');
    assert.equal(rtuFrameGapMs({ baudRate: 38400, parity: 'none', dataBits: 8, stopBits: 1 }), 1.75);
  });
});
