/**
 * Sunplug's Modbus client and SunSpec reader against pymodbus, with register maps written out by hand from the
 * published addresses (shared/reference/modbus.md), not by Sunplug's encoder: a misreading in the reader cannot be
 * cancelled out by the same misreading in the simulator.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ModbusLinkPool, type ModbusLink } from '../../src/devices/modbus/modbus-link.ts';
import { discoverSunSpec, readCommonModel } from '../../src/devices/sunspec/discovery.ts';
import { createSunSpecMeter } from '../../src/devices/sunspec/sunspec-meter.ts';
import { scanDevices } from '../../src/devices/device-scanner.ts';
import { createConfiguredMeter } from '../../src/devices/profiles/configured-meter.ts';
import { ProfileCatalog } from '../../src/devices/profiles/profile-catalog.ts';
import { meterEntries } from '../../src/cli/scan-command.ts';
import { FakeClock, RealClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { startPymodbusServer, type PymodbusServer, type RegisterMap } from './support/external-peers.ts';

const ascii = (text: string, registers: number): number[] => {
  const bytes = [...text].map((c) => c.charCodeAt(0)).concat(new Array<number>(registers * 2).fill(0)).slice(0, registers * 2);
  return Array.from({ length: registers }, (_, i) => (bytes[2 * i] ?? 0) * 256 + (bytes[2 * i + 1] ?? 0));
};
const s16 = (n: number): number => n & 0xffff;
const u32 = (n: number): number[] => [Math.floor(n / 65536), n % 65536];
const f32 = (x: number): number[] => {
  const b = Buffer.alloc(4);
  b.writeFloatBE(x);
  return [b.readUInt16BE(0), b.readUInt16BE(2)];
};
/** `length` registers, zero unless set: `at(offset, words)`. */
const block = (length: number, entries: [number, number[]][]): number[] => {
  const words = new Array<number>(length).fill(0);
  for (const [offset, values] of entries) values.forEach((v, i) => (words[offset + i] = v));
  return words;
};

/** SolarEdge: common model with L=65, inverter 103 at 40069, then the meter's own common model and 203 at 40188. */
const solarEdge: [number, number[]][] = [
  [40000, [0x5375, 0x6e53]],
  [40002, [1, 65, ...ascii('SolarEdge', 16), ...ascii('SE10K', 16), ...ascii('', 8), ...ascii('0004.0018', 8), ...ascii('7E0A1234', 16), 1]],
  [40069, block(52, [[0, [103, 50]], [3, [601, 598, 603, s16(-2)]], [10, [2301, 2312, 2299, s16(-1)]], [14, [12345, s16(-1)]],
    [24, [...u32(123_456_789), 0]], [38, [4]]])],
  [40121, [1, 65, ...ascii('SolarEdge', 16), ...ascii('WND-3Y400-MB', 16), ...ascii('', 8), ...ascii('', 8), ...ascii('M-1', 16), 1]],
  // Export positive, currents as magnitudes: W 40206, phases 40207-09, W_SF 40210, export 40226, import 40234, SF 40242.
  [40188, block(107, [[0, [203, 105]], [3, [360, 355, 370, s16(-2)]], [8, [2305, 2310, 2295]], [15, [s16(-1)]],
    [18, [2500, 850, 820, 830, 0]], [38, u32(4_567_890)], [46, u32(1_234_567)], [54, [0]]])],
  [40295, [0xffff, 0]],
];

/**
 * A SolarEdge inverter with three meters chained behind it on one unit id: each meter is another common model (L=65)
 * and a model 203, 174 registers apart (meter 1 at 40121, 2 at 40295, 3 at 40469). Meter n draws n × 1000 W of export.
 */
function solarEdgeMeterDevice(n: number, at: number): [number, number[]][] {
  return [
    [at, [1, 65, ...ascii('SolarEdge', 16), ...ascii('WND-3Y400-MB', 16), ...ascii('', 8), ...ascii('', 8), ...ascii(`M-${n}`, 16), 1]],
    [at + 67, block(107, [[0, [203, 105]], [3, [100 * n, 100 * n, 100 * n, s16(-2)]], [8, [2301, 2302, 2303]], [15, [s16(-1)]],
      [18, [1000 * n, 333 * n, 333 * n, 334 * n, 0]], [38, u32(1000 * n)], [46, u32(2000 * n)], [54, [0]]])],
  ];
}
const solarEdgeThreeMeters: [number, number[]][] = [
  ...solarEdge.filter(([address]) => address < 40121),
  ...solarEdgeMeterDevice(1, 40121), ...solarEdgeMeterDevice(2, 40295), ...solarEdgeMeterDevice(3, 40469),
  [40643, [0xffff, 0]],
];

/** Fronius Datamanager in "float" mode: meter on unit 240 with model 213 after a common model of L=66. */
const froniusFloatMeter: [number, number[]][] = [
  [40000, [0x5375, 0x6e53]],
  [40002, [1, 66, ...ascii('Fronius', 16), ...ascii('Smart Meter 63A', 16), ...ascii('', 8), ...ascii('2.9', 8), ...ascii('12345678', 16), 240, 0]],
  [40070, block(126, [[0, [213, 124]], [4, [...f32(1.75), ...f32(1.75), ...f32(1.875)]], [12, [...f32(230.5), ...f32(231.25), ...f32(229.75)]],
    [28, [...f32(-1234.5), ...f32(-400), ...f32(-400), ...f32(-434.5)]], [60, f32(5000)], [68, f32(1_000_000)]])],
  [40196, [0xffff, 0]],
];

describe('SunSpec reader against a pymodbus server', () => {
  let server: PymodbusServer;
  let pool: ModbusLinkPool;
  let link: ModbusLink;
  const clock = new FakeClock();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    const map: RegisterMap = { 1: solarEdge, 240: froniusFloatMeter, 3: solarEdgeThreeMeters };
    server = await startPymodbusServer(map);
    pool = new ModbusLinkPool({ clock: new RealClock(), logger: silentLogger(), timeoutMs: 300 });
    link = pool.get('127.0.0.1', server.port);
  });
  after(async () => {
    await pool?.close();
    await server?.stop();
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, []);
  });

  it('walks a SolarEdge chain with a short common model and a second device in it', async () => {
    const chain = await discoverSunSpec(link, 1);
    assert.deepEqual(chain, {
      baseAddress: 40000, complete: true,
      models: [{ id: 1, address: 40002, length: 65 }, { id: 103, address: 40069, length: 50 }, { id: 1, address: 40121, length: 65 }, { id: 203, address: 40188, length: 105 }],
    });
    assert.deepEqual(await readCommonModel(link, 1, { id: 1, address: 40002, length: 65 }),
      { manufacturer: 'SolarEdge', model: 'SE10K', version: '0004.0018', serial: '7E0A1234' });
  });

  it('reads the inverter power with its scale factor', async () => {
    const pv = createSunSpecMeter({ id: 'pv', role: 'pv', link, unit: 1, clock, logger: silentLogger() });
    assert.deepEqual(await pv.read(), {
      atMs: clock.nowMs(), powerW: 1234.5, exportEnergyWh: 123_456_789, phaseCurrentsA: [6.01, 5.98, 6.03], phaseVoltagesV: [230.1, 231.2, 229.9],
    });
  });

  it('reads the SolarEdge meter at 40188, flipping its export-positive sign', async () => {
    const grid = createSunSpecMeter({ id: 'grid', role: 'grid', link, unit: 1, clock, logger: silentLogger(), powerSign: -1 });
    assert.deepEqual(await grid.read(), {
      atMs: clock.nowMs(), powerW: -2500, phasePowersW: [-850, -820, -830], phaseCurrentsA: [-3.6, -3.55, -3.7],
      phaseVoltagesV: [230.5, 231, 229.5], importEnergyWh: 1_234_567, exportEnergyWh: 4_567_890,
    });
  });

  it('reads a float meter (213) on unit 240 behind the same endpoint', async () => {
    const grid = createSunSpecMeter({ id: 'grid-240', role: 'grid', link, unit: 240, clock, logger: silentLogger() });
    assert.deepEqual(await grid.read(), {
      atMs: clock.nowMs(), powerW: -1234.5, phasePowersW: [-400, -400, -434.5], phaseCurrentsA: [-1.75, -1.75, -1.875],
      phaseVoltagesV: [230.5, 231.25, 229.75], importEnergyWh: 1_000_000, exportEnergyWh: 5000,
    });
  });

  it('follows live changes: night sentinel reads as 0 W, then production again', async () => {
    const pv = createSunSpecMeter({ id: 'pv', role: 'pv', link, unit: 1, clock, logger: silentLogger() });
    await server.set(1, 40083, [0x8000]);
    assert.equal((await pv.read()).powerW, 0);
    await server.set(1, 40083, [20000, s16(-1)]);
    assert.equal((await pv.read()).powerW, 2000);
  });

  it('reports pymodbus exceptions and silence clearly, and keeps working afterwards', async () => {
    await assert.rejects(link.readHoldingRegisters(1, 30000, 2), { message: `127.0.0.1:${server.port} unit 1: Modbus exception 2 (illegal data address)` });
    const missing = createSunSpecMeter({ id: 'grid-99', role: 'grid', link, unit: 99, clock, logger: silentLogger() });
    await assert.rejects(missing.read(), { message: `grid meter 127.0.0.1:${server.port} unit 99: timed out after 300 ms` });
    assert.deepEqual(await link.readHoldingRegisters(240, 40000, 2), [0x5375, 0x6e53]);
  });

  describe('a SolarEdge inverter with three meters behind one unit id', () => {
    const profiles = new ProfileCatalog();
    const grid = (sunspecIndex?: number) => createConfiguredMeter({
      id: `grid-${sunspecIndex ?? 'default'}`, role: 'grid', device: 'solaredge', modbus: { host: '127.0.0.1', port: server.port, unit: 3, timeoutMs: 300 },
      ...(sunspecIndex === undefined ? {} : { sunspecIndex }),
    }, { links: pool, profiles, clock, logger: silentLogger() });

    it('discovers every device of the chain', async () => {
      const chain = await discoverSunSpec(link, 3);
      assert.deepEqual(chain.models.map((m) => [m.id, m.address]), [
        [1, 40002], [103, 40069], [1, 40121], [203, 40188], [1, 40295], [203, 40362], [1, 40469], [203, 40536],
      ]);
      assert.equal(chain.complete, true);
    });

    it('reads meter 1, 2 or 3 as the config picks it, each with the SolarEdge sign flip', async () => {
      assert.equal((await grid().read()).powerW, -1000, 'meter 1 by default');
      assert.deepEqual(await grid(2).read(), {
        atMs: clock.nowMs(), powerW: -2000, phasePowersW: [-666, -666, -668], phaseCurrentsA: [-2, -2, -2],
        phaseVoltagesV: [230.1, 230.2, 230.3], importEnergyWh: 4000, exportEnergyWh: 2000,
      });
      assert.equal((await grid(3).read()).powerW, -3000);
      await assert.rejects(grid(4).read(), {
        message: `grid meter 127.0.0.1:${server.port} unit 3: device 4 asked for, but the SunSpec chain [1, 103, 1, 203, 1, 203, 1, 203] has 3 meter model (201-204, 211-214)s`,
      });
    });

    it('scan lists the inverter and the three meters, and the snippet picks meters 2 and 3 by sunspecIndex', async () => {
      const report = await scanDevices({ host: '127.0.0.1', ports: [server.port], units: [3], timeoutMs: 300, clock: new RealClock(), logger: silentLogger(), profiles });
      assert.deepEqual(report.devices.map((d) => [d.role, d.model, d.serial, d.device, d.powerW, d.sunspecIndex]), [
        ['pv', 'SE10K', '7E0A1234', 'solaredge', 1234.5, undefined],
        ['grid', 'WND-3Y400-MB', 'M-1', 'solaredge', -1000, undefined],
        ['grid', 'WND-3Y400-MB', 'M-2', 'solaredge', -2000, 2],
        ['grid', 'WND-3Y400-MB', 'M-3', 'solaredge', -3000, 3],
      ]);
      const entries = meterEntries(report.devices).filter((m) => m.role === 'grid');
      assert.deepEqual(entries.map((m) => [m.id, m.sunspecIndex]), [['grid', undefined], ['grid-2', 2], ['grid-3', 3]]);
    });
  });
});
