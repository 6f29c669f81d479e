import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ModbusLink, ModbusLinkPool } from '../../src/devices/modbus/modbus-link.ts';
import { discoverSunSpec, readCommonModel, type HoldingRegisterReader } from '../../src/devices/sunspec/discovery.ts';
import { ModelCatalog, instantiateModel } from '../../src/devices/sunspec/model-definitions.ts';
import { planReads } from '../../src/devices/sunspec/read-plan.ts';
import { createSunSpecMeter } from '../../src/devices/sunspec/sunspec-meter.ts';
import { FakeClock, RealClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { startModbusServer, type ModbusSimServer, type RegisterBank } from '../../src/sim/modbus-server.ts';
import { SunSpecDeviceImage, createSunSpecGridMeter, createSunSpecInverter } from '../../src/sim/sunspec-device.ts';
import type { MeterRole } from '../../src/domain/meter-reading.ts';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

/** Counts requests and registers, to check batching. */
function counting(link: ModbusLink): HoldingRegisterReader & { requests: [number, number][] } {
  const requests: [number, number][] = [];
  return {
    endpoint: link.endpoint,
    requests,
    readHoldingRegisters: (unit, address, count, signal) => {
      requests.push([address, count]);
      return link.readHoldingRegisters(unit, address, count, signal);
    },
  };
}

describe('SunSpecMeter against the simulator', () => {
  let server: ModbusSimServer;
  let pool: ModbusLinkPool;
  let link: ModbusLink;
  const clock = new FakeClock(Date.UTC(2026, 5, 21, 12, 0, 0));
  const meter = (role: MeterRole, unit: number, extra: { powerSign?: 1 | -1; reader?: HoldingRegisterReader } = {}) =>
    createSunSpecMeter({ id: `${role}-${unit}`, role, link: extra.reader ?? link, unit, clock, logger: silentLogger(), ...(extra.powerSign ? { powerSign: extra.powerSign } : {}) });

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await startModbusServer();
    pool = new ModbusLinkPool({ clock: new RealClock(), logger: silentLogger(), timeoutMs: 500, interFrameGapMs: 1 });
    link = pool.get('127.0.0.1', server.port);
  });
  after(async () => {
    await pool.close();
    await server.close();
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, []);
  });

  it('discovers an inverter and a grid meter behind one endpoint and reads them normalised', async () => {
    const inverter = createSunSpecInverter({ manufacturer: 'Fronius', model: 'Symo 10.0-3-M', serial: 'INV-1', version: '1.2.3' });
    inverter.setPowerW(4210);
    inverter.setEnergyWh(12_345_678);
    inverter.setPhaseVoltagesV([230.1, 231.2, 229.9]);
    const grid = createSunSpecGridMeter({ manufacturer: 'Fronius', model: 'Smart Meter TS 65A-3', serial: 'SM-1' });
    grid.setPowerW(-1500, [-600, -500, -400]);
    grid.setPhaseCurrentsA([2.61, 2.17, 1.74]);
    grid.setPhaseVoltagesV([230, 231, 232]);
    grid.setEnergyWh({ importWh: 1_000_000, exportWh: 2_500_000 });
    server.setUnit(1, inverter);
    server.setUnit(240, grid);

    const chain = await discoverSunSpec(link, 240);
    assert.deepEqual(chain, { baseAddress: 40000, complete: true, models: [{ id: 1, address: 40002, length: 66 }, { id: 203, address: 40070, length: 105 }] });
    assert.deepEqual(await readCommonModel(link, 1, { id: 1, address: 40002, length: 66 }),
      { manufacturer: 'Fronius', model: 'Symo 10.0-3-M', version: '1.2.3', serial: 'INV-1' });

    assert.deepEqual(await meter('pv', 1).read(), {
      atMs: clock.nowMs(), powerW: 4210, exportEnergyWh: 12_345_678, phaseVoltagesV: [230.1, 231.2, 229.9],
    });
    assert.deepEqual(await meter('grid', 240).read(), {
      atMs: clock.nowMs(), powerW: -1500, phasePowersW: [-600, -500, -400], phaseCurrentsA: [-2.61, -2.17, -1.74],
      phaseVoltagesV: [230, 231, 232], importEnergyWh: 1_000_000, exportEnergyWh: 2_500_000,
    });
  });

  it('reads a meter in one request that holds the scale factors, after discovery', async () => {
    server.setUnit(240, createSunSpecGridMeter({ manufacturer: 'X', model: 'Y', serial: 'Z' }));
    const reader = counting(link);
    const grid = meter('grid', 240, { reader });
    await grid.read();
    reader.requests.length = 0;
    await grid.read();
    assert.deepEqual(reader.requests, [[40070, 55]], 'ID .. TotWh_SF of model 203 in one read');
  });

  it('plans every scale factor into the request of its value, at most 125 registers each', () => {
    const catalog = new ModelCatalog();
    const layout = instantiateModel(catalog.get(203), 105);
    const names = layout.points.map((p) => p.name);
    const ranges = planReads(layout, names);
    assert.ok(ranges.every((r) => r.count <= 125));
    for (const point of layout.points) {
      if (typeof point.sf !== 'string') continue;
      const sf = layout.point(point.sf);
      assert.ok(sf !== undefined);
      assert.ok(ranges.some((r) => r.offset <= Math.min(point.offset, sf.offset) && Math.max(point.offset + point.size, sf.offset + sf.size) <= r.offset + r.count), point.name);
    }
    assert.deepEqual(planReads(layout, ['W'], 125), [{ offset: 0, count: 23 }]);
    assert.deepEqual(planReads(layout, ['W', 'TotWhImp'], 30), [{ offset: 0, count: 23 }, { offset: 46, count: 9 }]);
    assert.throws(() => planReads(layout, ['TotVArhImpQ1'], 30), /TotVArhImpQ1 and its scale factor do not fit one request/);
  });

  it('takes the sign of each current from its phase power when the meter sends magnitudes', async () => {
    const grid = createSunSpecGridMeter({ manufacturer: 'X', model: 'Y', serial: 'Z' });
    grid.setPowerW(500, [1200, -400, -300]);
    grid.setPhaseCurrentsA([5.2, 1.8, 1.3]);
    server.setUnit(240, grid);
    const reading = await meter('grid', 240).read();
    assert.deepEqual(reading.phaseCurrentsA, [5.2, -1.8, -1.3]);
  });

  it('flips power and currents for a meter that reports export as positive', async () => {
    const grid = createSunSpecGridMeter({ manufacturer: 'SolarEdge', model: 'WND-3Y', serial: 'Z' });
    grid.setPowerW(2000, [700, 700, 600]);
    grid.setPhaseCurrentsA([3, 3, 2.6]);
    server.setUnit(240, grid);
    const reading = await meter('grid', 240, { powerSign: -1 }).read();
    assert.equal(reading.powerW, -2000);
    assert.deepEqual(reading.phasePowersW, [-700, -700, -600]);
    assert.deepEqual(reading.phaseCurrentsA, [-3, -3, -2.6]);
  });

  it('re-ranges scale factors in the simulator and still reads the right value', async () => {
    const grid = createSunSpecGridMeter({ manufacturer: 'X', model: 'Y', serial: 'Z' });
    grid.setPowerW(45_000, [15_000, 15_000, 15_000]);
    server.setUnit(240, grid);
    assert.equal((await meter('grid', 240).read()).powerW, 45_000);
  });

  it('reads an inverter that is asleep at night (W not implemented) as 0 W', async () => {
    const inverter = createSunSpecInverter({ manufacturer: 'SMA', model: 'STP', serial: '1' });
    inverter.setEnergyWh(5000);
    inverter.set(103, 'W', undefined);
    server.setUnit(126, inverter);
    const reading = await meter('pv', 126).read();
    assert.equal(reading.powerW, 0);
    assert.equal(reading.exportEnergyWh, 5000);
  });

  it('clamps a standby draw to 0 W and rejects a production that looks sign-inverted', async () => {
    const inverter = createSunSpecInverter({ manufacturer: 'SMA', model: 'STP', serial: '1' });
    inverter.setPowerW(-12);
    server.setUnit(126, inverter);
    assert.equal((await meter('pv', 126).read()).powerW, 0);
    inverter.setPowerW(-3000);
    await assert.rejects(meter('pv', 126).read(), /pv inverter .* unit 126: negative production -3000 W \(is the sign of this inverter inverted\?\)/);
  });

  it('rejects an inverter model holding only "not implemented" values', async () => {
    const inverter = createSunSpecInverter({ manufacturer: 'SMA', model: 'STP', serial: '1' });
    inverter.set(103, 'St', undefined);
    server.setUnit(126, inverter);
    await assert.rejects(meter('pv', 126).read(), {
      message: `pv inverter 127.0.0.1:${server.port} unit 126: only "not implemented" values (W, WH and St)`,
    });
  });

  it('rejects a grid reading whose scale factor is "not implemented", and one with garbage power', async () => {
    const grid = createSunSpecGridMeter({ manufacturer: 'X', model: 'Y', serial: 'Z' });
    grid.setPowerW(1000);
    grid.setRaw(203, 'W_SF', [0x8000]);
    server.setUnit(240, grid);
    await assert.rejects(meter('grid', 240).read(), /grid meter 127\.0\.0\.1:\d+ unit 240: no power: W and per-phase W are not implemented/);
    grid.setRaw(203, 'W_SF', [7]);
    await assert.rejects(meter('grid', 240).read(), /grid meter .* unit 240: implausible power 10000000000 W \(limit ±1000000 W\)/);
  });

  it('says which device failed when the device answers with an exception, then rediscovers', async () => {
    const grid = meter('grid', 240);
    server.setUnit(240, createSunSpecGridMeter({ manufacturer: 'X', model: 'Y', serial: 'Z' }));
    await grid.read();
    server.setUnit(240, { read: () => undefined });
    await assert.rejects(grid.read(), { message: `grid meter 127.0.0.1:${server.port} unit 240: Modbus exception 2 (illegal data address)` });
    // An exception makes the layout suspect: the next read discovers again.
    await assert.rejects(grid.read(), { message: `grid meter 127.0.0.1:${server.port} unit 240: no SunSpec marker ("SunS") at 40000, 0, 50000` });
  });

  it('rediscovers when the model moved (firmware switched from int+SF to float)', async () => {
    const intMeter = createSunSpecGridMeter({ manufacturer: 'Fronius', model: 'M', serial: 'S' });
    intMeter.setPowerW(800);
    server.setUnit(240, intMeter);
    const grid = meter('grid', 240);
    assert.equal((await grid.read()).powerW, 800);
    const floatMeter = new SunSpecDeviceImage({ common: { manufacturer: 'Fronius', model: 'M', serial: 'S' }, models: [120, 213] });
    floatMeter.set(213, 'W', 640.5);
    server.setUnit(240, floatMeter);
    await assert.rejects(grid.read(), /expected model 203 at 40070, found 120/);
    assert.equal((await grid.read()).powerW, 640.5);
    assert.deepEqual(grid.chain?.models.map((m) => m.id), [1, 120, 213]);
  });

  it('finds the chain at base 0 and at base 50000', async () => {
    for (const baseAddress of [0, 50000]) {
      const image = new SunSpecDeviceImage({ baseAddress, common: { manufacturer: 'A', model: 'B', serial: 'C' }, models: [103] });
      image.set(103, 'W', 1234);
      server.setUnit(7, image);
      const chain = await discoverSunSpec(link, 7);
      assert.equal(chain.baseAddress, baseAddress);
      assert.equal((await meter('pv', 7).read()).powerW, 1234);
    }
  });

  it('keeps the models read so far when the chain breaks', async () => {
    const image = createSunSpecGridMeter({ manufacturer: 'Kostal', model: 'KSEM', serial: '1' });
    image.setPowerW(321);
    const endMarker = image.modelAddress(203) + 107;
    const broken: RegisterBank = { read: (address, count) => (address + count > endMarker ? undefined : image.read(address, count)) };
    server.setUnit(71, broken);
    const chain = await discoverSunSpec(link, 71);
    assert.equal(chain.complete, false);
    assert.match(chain.problem ?? '', /chain breaks at 40177: .*Modbus exception 2/);
    assert.deepEqual(chain.models.map((m) => m.id), [1, 203]);
    assert.equal((await meter('grid', 71).read()).powerW, 321);
  });

  it('says so when there is no SunSpec at all', async () => {
    server.setUnit(9, { read: (address, count) => (address >= 30000 && address + count < 31000 ? new Array<number>(count).fill(0) : undefined) });
    await assert.rejects(meter('grid', 9).read(), /grid meter 127\.0\.0\.1:\d+ unit 9: no SunSpec marker \("SunS"\) at 40000, 0, 50000/);
  });

  it('reads a battery from model 802, and from 124 with the storage modules of 160', async () => {
    const battery = new SunSpecDeviceImage({ common: { manufacturer: 'Kostal', model: 'BYD', serial: '1' }, models: [802] });
    battery.set(802, 'SoC', 57.5);
    battery.set(802, 'W', -2300);
    server.setUnit(2, battery);
    assert.deepEqual(await meter('battery', 2).read(), { atMs: clock.nowMs(), powerW: -2300, socPct: 57.5 });

    const gen24 = new SunSpecDeviceImage({ common: { manufacturer: 'Fronius', model: 'GEN24', serial: '2' }, models: [103, 124, { id: 160, length: 8 + 20 * 4 }] });
    gen24.set(124, 'ChaState', 81.3);
    gen24.set(160, 'module[3].DCW', 0);
    gen24.set(160, 'module[4].DCW', 1800);
    server.setUnit(3, gen24);
    assert.deepEqual(await meter('battery', 3).read(), { atMs: clock.nowMs(), powerW: 1800, socPct: 81.3 });
  });

  it('rejects a state of charge beyond 100 %', async () => {
    const battery = new SunSpecDeviceImage({ common: { manufacturer: 'K', model: 'B', serial: '1' }, models: [802] });
    battery.set(802, 'SoC', 150);
    battery.set(802, 'W', 0);
    server.setUnit(4, battery);
    await assert.rejects(meter('battery', 4).read(), /battery .* unit 4: implausible state of charge 150 %/);
  });

  it('reads a float meter (213) without scale factors', async () => {
    const image = new SunSpecDeviceImage({ common: { manufacturer: 'F', model: 'M', serial: '1' }, models: [213] });
    image.set(213, 'W', 1234.5);
    for (const [i, p] of ['A', 'B', 'C'].entries()) {
      image.set(213, `Wph${p}`, [400, 400, 434.5][i]);
      image.set(213, `Aph${p}`, [1.75, 1.75, 1.875][i]);
      image.set(213, `PhVph${p}`, 230.5);
    }
    image.set(213, 'TotWhImp', 4096);
    server.setUnit(5, image);
    assert.deepEqual(await meter('grid', 5).read(), {
      atMs: clock.nowMs(), powerW: 1234.5, phasePowersW: [400, 400, 434.5], phaseCurrentsA: [1.75, 1.75, 1.875],
      phaseVoltagesV: [230.5, 230.5, 230.5], importEnergyWh: 4096,
    });
  });

  it('leaves out an energy counter that runs backwards or jumps, and keeps the power', async () => {
    const grid = createSunSpecGridMeter({ manufacturer: 'Acme', model: 'M1', serial: 'C-1' });
    grid.setPowerW(800, [300, 250, 250]);
    grid.setEnergyWh({ importWh: 5_000_000, exportWh: 1_000_000 });
    server.setUnit(77, grid);
    const reader = meter('grid', 77);
    assert.equal((await reader.read()).importEnergyWh, 5_000_000);
    grid.setEnergyWh({ importWh: 4_999_000, exportWh: 1_000_000 });
    const backwards = await reader.read();
    assert.equal(backwards.powerW, 800);
    assert.equal(backwards.importEnergyWh, undefined, 'a counter running backwards is garbage');
    assert.equal(backwards.exportEnergyWh, 1_000_000);
    await clock.advance(1000);
    grid.setEnergyWh({ importWh: 9_000_000, exportWh: 1_000_000 }); // +4 MWh in a second
    assert.equal((await reader.read()).importEnergyWh, undefined, 'a jump beyond the maximum power is garbage');
    await clock.advance(3_600_000);
    grid.setEnergyWh({ importWh: 5_000_800, exportWh: 1_000_000 });
    assert.equal((await reader.read()).importEnergyWh, 5_000_800, 'a plausible rise from the last good value reads again');
  });
});
