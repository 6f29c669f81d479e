/**
 * ProfileMeter against the Modbus TCP simulator, with register maps written out by hand in hex from the published
 * register facts (shared/reference/modbus.md §2), not produced by Sunplug's encoder: a decoding mistake in the meter
 * cannot be cancelled out by the same mistake in the map. Float words were taken from IEEE 754 tables (Python's
 * struct), then split in the device's word order by hand.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ModbusLinkPool, type ModbusLink } from '../../../src/devices/modbus/modbus-link.ts';
import { createConfiguredMeter, resolveModbusTarget } from '../../../src/devices/profiles/configured-meter.ts';
import { ProfileCatalog } from '../../../src/devices/profiles/profile-catalog.ts';
import { createProfileMeter, ProfileMeter, type RegisterReader } from '../../../src/devices/profiles/profile-meter.ts';
import { SunSpecMeter } from '../../../src/devices/sunspec/sunspec-meter.ts';
import type { MeterRole } from '../../../src/domain/meter-reading.ts';
import { FakeClock, RealClock } from '../../../src/platform/clock.ts';
import { silentLogger } from '../../../src/platform/logger.ts';
import { startModbusServer, type ModbusSimServer, type RegisterBank } from '../../../src/sim/modbus-server.ts';
import { createSunSpecGridMeter } from '../../../src/sim/sunspec-device.ts';

/** Registers given as { start address: words }; anything else answers exception 2 (illegal data address). */
class HandBank implements RegisterBank {
  private readonly words = new Map<number, number>();

  constructor(blocks: Record<number, number[]>) {
    this.set(blocks);
  }

  set(blocks: Record<number, number[]>): void {
    for (const [start, words] of Object.entries(blocks)) words.forEach((w, i) => this.words.set(Number(start) + i, w));
  }

  read(address: number, count: number): readonly number[] | undefined {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const word = this.words.get(address + i);
      if (word === undefined) return undefined;
      out.push(word);
    }
    return out;
  }
}

/** Records every request as "FC3 30775x2", to check function codes and block planning. */
function recording(link: ModbusLink): RegisterReader & { requests: string[] } {
  const requests: string[] = [];
  return {
    endpoint: link.endpoint,
    requests,
    readHoldingRegisters: (unit, address, count, signal) => {
      requests.push(`FC3 ${address}x${count}`);
      return link.readHoldingRegisters(unit, address, count, signal);
    },
    readInputRegisters: (unit, address, count, signal) => {
      requests.push(`FC4 ${address}x${count}`);
      return link.readInputRegisters(unit, address, count, signal);
    },
  };
}

// SMA inverter (unit 3), big-endian. 12_345_678 Wh = 0xBC614E; 4210 W = 0x1072; 6100/6050/6120 mA.
const smaPv = { 30513: [0x0000, 0x0000, 0x00bc, 0x614e], 30775: [0x0000, 0x1072], 30977: [0x0000, 0x17d4, 0x0000, 0x17a2, 0x0000, 0x17e8] };
// Battery: discharge 1500 W (0x05DC), charge 0, SoC 57 %, charged 2_000_000 Wh (0x1E8480), discharged 1_800_000 Wh (0x1B7740).
const smaBattery = { 30845: [0x0000, 0x0039], 31393: [0x0000, 0x0000, 0x0000, 0x05dc], 31397: [0, 0, 0x001e, 0x8480, 0, 0, 0x001b, 0x7740] };
// Grid: import 0 W, export 2500 W (0x09C4); per phase export 850/820/830 W (0x352/0x334/0x33E), import 0;
// currents 3700/3560/3610 mA unsigned (0xE74/0xDE8/0xE1A); import 1_234_567 Wh (0x12D687), export 4_567_890 Wh (0x45B352).
const smaGrid = {
  30581: [0x0012, 0xd687, 0x0045, 0xb352], 30865: [0x0000, 0x0000, 0x0000, 0x09c4],
  31259: [0, 0x0352, 0, 0x0334, 0, 0x033e, 0, 0, 0, 0, 0, 0], 31435: [0, 0x0e74, 0, 0x0de8, 0, 0x0e1a],
};

// Kostal (unit 71), float32 low word first: [low, high] of 0xC49A5000 (-1234.5 W) is [0x5000, 0xC49A].
const kostalGrid = {
  222: [0x0000, 0x3fe0, 0x0000, 0xc3c8], // A L1 1.75 (magnitude), P L1 -400
  230: [0x199a, 0x4366, 0x0000, 0x3fe0, 0x0000, 0xc3c8], // V L1 230.1, A L2 1.75, P L2 -400
  240: [0x4000, 0x4367, 0x0000, 0x3ff0, 0x4000, 0xc3d9], // V L2 231.25, A L3 1.875, P L3 -434.5
  250: [0xc000, 0x4365, 0x5000, 0xc49a], // V L3 229.75, total -1234.5
};
const kostalPvBattery = {
  575: [0x0c80], // 3200 W
  320: [0xbff8, 0x4b05], // 8_765_432 Wh as float32 0x4B05BFF8
  582: [0xfa24], // -1500 W: charging
  514: [0x003f], // 63 %
};

// Eastron SDM630 (unit 1), input registers, float32 high word first.
const sdm630 = {
  0x00: [0x4366, 0x8000, 0x4367, 0x4000, 0x4365, 0xc000], // V 230.5, 231.25, 229.75
  0x06: [0x4090, 0x0000, 0x4010, 0x0000, 0x3f00, 0x0000], // A 4.5, 2.25, 0.5 (magnitudes)
  0x0c: [0x4481, 0x6000, 0xc401, 0x6000, 0x42e6, 0x0000], // W 1035, -517.5, 115
  0x34: [0x441e, 0x2000], // total 632.5 W
  0x48: [0x4640, 0xe600, 0x4429, 0x9000], // import 12345.5 kWh, export 678.25 kWh
};

// Sungrow SH (unit 1), input registers, 32-bit low word first, grid export-positive.
const sungrow = {
  5018: [0x0901, 0x08fa, 0x0907], // 230.5, 229.8, 231.1 V (×0.1)
  5602: [0x03e8, 0x0000, 0x0320, 0x0000, 0x02bc, 0x0000], // 1000, 800, 700 W
  13009: [0xf63c, 0xffff], // -2500 W = importing 2500 W
  13036: [0x1206, 0x000f], // 987654 × 0.1 kWh
};

describe('ProfileMeter against the simulator, with hand-written register maps', () => {
  let server: ModbusSimServer;
  let pool: ModbusLinkPool;
  let link: ModbusLink;
  const catalog = new ProfileCatalog();
  const clock = new FakeClock(Date.UTC(2026, 5, 21, 12, 0, 0));
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  const meter = (device: string, role: MeterRole, reader: RegisterReader = link, extra: { unit?: number; maxRegistersPerRead?: number } = {}): ProfileMeter =>
    createProfileMeter({ id: `${device}-${role}`, role, profile: catalog.get(device), link: reader, clock, logger: silentLogger(), ...extra });

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await startModbusServer();
    pool = new ModbusLinkPool({ clock: new RealClock(), logger: silentLogger(), timeoutMs: 500, interFrameGapMs: 0 });
    link = pool.get('127.0.0.1', server.port);
  });
  after(async () => {
    await pool.close();
    await server.close();
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, []);
  });

  describe('SMA inverter (int32, uint64, NaN 0x80000000, import minus export)', () => {
    it('reads PV power, currents in mA and the uint64 yield in three block reads', async () => {
      server.setUnit(3, new HandBank({ ...smaPv, ...smaBattery, ...smaGrid }));
      const reader = recording(link);
      assert.deepEqual(await meter('sma-inverter', 'pv', reader).read(), {
        atMs: clock.nowMs(), powerW: 4210, phaseCurrentsA: [6.1, 6.05, 6.12], exportEnergyWh: 12_345_678,
      });
      assert.deepEqual(reader.requests, ['FC3 30513x4', 'FC3 30775x2', 'FC3 30977x6']);
    });

    it('reads the night-time NaN power as 0 W, not as -2147483648 W', async () => {
      const bank = new HandBank({ ...smaPv, 30775: [0x8000, 0x0000], 30977: [0, 0, 0, 0, 0, 0] });
      server.setUnit(3, bank);
      assert.deepEqual(await meter('sma-inverter', 'pv').read(), {
        atMs: clock.nowMs(), powerW: 0, phaseCurrentsA: [0, 0, 0], exportEnergyWh: 12_345_678,
      });
    });

    it('fails when nothing at all is available, rather than reporting 0 W', async () => {
      server.setUnit(3, new HandBank({ 30513: [0xffff, 0xffff, 0xffff, 0xffff], 30775: [0x8000, 0], 30977: [0x8000, 0, 0x8000, 0, 0x8000, 0] }));
      await assert.rejects(meter('sma-inverter', 'pv').read(),
        { message: `pv inverter 127.0.0.1:${server.port} unit 3 (sma-inverter): only "not available" values (power (FC3 30775) and the rest)` });
    });

    it('reads the battery as discharge minus charge, then charging as negative power', async () => {
      const bank = new HandBank({ ...smaBattery });
      server.setUnit(3, bank);
      const battery = meter('sma-inverter', 'battery');
      assert.deepEqual(await battery.read(), {
        atMs: clock.nowMs(), powerW: 1500, socPct: 57, importEnergyWh: 2_000_000, exportEnergyWh: 1_800_000,
      });
      bank.set({ 31393: [0x0000, 0x0898, 0x0000, 0x0000] }); // charge 2200 W, discharge 0
      assert.equal((await battery.read()).powerW, -2200);
    });

    it('reads the grid as import minus export, signs the unsigned currents from the phase powers', async () => {
      server.setUnit(3, new HandBank(smaGrid));
      const reader = recording(link);
      assert.deepEqual(await meter('sma-inverter', 'grid', reader).read(), {
        atMs: clock.nowMs(), powerW: -2500, phasePowersW: [-850, -820, -830], phaseCurrentsA: [-3.7, -3.56, -3.61],
        importEnergyWh: 1_234_567, exportEnergyWh: 4_567_890,
      });
      assert.deepEqual(reader.requests, ['FC3 30581x4', 'FC3 30865x4', 'FC3 31259x12', 'FC3 31435x6']);
    });

    it('leaves out an energy counter that runs backwards, keeping the last one as the reference', async () => {
      const bank = new HandBank(smaGrid);
      server.setUnit(2, bank);
      const grid = meter('sma-home-manager', 'grid');
      assert.equal((await grid.read()).importEnergyWh, 1_234_567);
      bank.set({ 30581: [0x0012, 0xd000] }); // 1_232_896 Wh: lower than before
      const backwards = await grid.read();
      assert.equal(backwards.importEnergyWh, undefined);
      assert.equal(backwards.exportEnergyWh, 4_567_890, 'the other counter is unaffected');
      assert.equal(backwards.powerW, -2500, 'power is still reported');
      bank.set({ 30581: [0x0012, 0xd690] }); // 1_234_576 Wh: above the kept reference
      assert.equal((await grid.read()).importEnergyWh, 1_234_576);
    });
  });

  describe('energy counter plausibility', () => {
    it('leaves out a counter that jumps further than the maximum power allows, until enough time has passed', async () => {
      const bank = new HandBank(smaGrid);
      server.setUnit(2, bank);
      const grid = meter('sma-home-manager', 'grid');
      assert.equal((await grid.read()).importEnergyWh, 1_234_567);
      bank.set({ 30581: [0x0014, 0x5d87] }); // 1_334_663 Wh: 100 kWh more, with no time passed
      assert.equal((await grid.read()).importEnergyWh, undefined);
      await clock.advance(3_600_000); // an hour later, 100 kWh is within what 1 MW (the limit) could deliver
      assert.equal((await grid.read()).importEnergyWh, 1_334_663);
    });

    it('takes ten lower values in a row as a reset meter', async () => {
      const bank = new HandBank(smaGrid);
      server.setUnit(2, bank);
      const grid = meter('sma-home-manager', 'grid');
      assert.equal((await grid.read()).importEnergyWh, 1_234_567);
      bank.set({ 30581: [0x0000, 0x0064] }); // 100 Wh: a new meter
      const seen: (number | undefined)[] = [];
      for (let i = 0; i < 10; i++) seen.push((await grid.read()).importEnergyWh);
      assert.deepEqual(seen, [...new Array<undefined>(9).fill(undefined), 100]);
    });

    it('drops a negative counter but keeps the rest of the reading', async () => {
      server.setUnit(1, new HandBank({ ...sdm630, 0x48: [0xc640, 0xe600, 0x4429, 0x9000] })); // import -12345.5 kWh
      const reading = await meter('eastron-sdm630', 'grid').read();
      assert.equal(reading.importEnergyWh, undefined);
      assert.equal(reading.exportEnergyWh, 678_250);
      assert.equal(reading.powerW, 632.5);
    });
  });

  describe('Kostal PLENTICORE (float32, low word first, port 1502 unit 71)', () => {
    it('reads the powermeter through the inverter, signing currents from the phase powers', async () => {
      server.setUnit(71, new HandBank(kostalGrid));
      const reader = recording(link);
      assert.deepEqual(await meter('kostal-plenticore', 'grid', reader).read(), {
        atMs: clock.nowMs(), powerW: -1234.5, phasePowersW: [-400, -400, -434.5], phaseCurrentsA: [-1.75, -1.75, -1.875],
        phaseVoltagesV: [230.1, 231.25, 229.75],
      });
      assert.deepEqual(reader.requests, ['FC3 222x4', 'FC3 230x6', 'FC3 240x6', 'FC3 250x4']);
    });

    it('reads PV (int16 AC power, float32 yield) and the battery (charging is negative)', async () => {
      server.setUnit(71, new HandBank(kostalPvBattery));
      assert.deepEqual(await meter('kostal-plenticore', 'pv').read(), { atMs: clock.nowMs(), powerW: 3200, exportEnergyWh: 8_765_432 });
      assert.deepEqual(await meter('kostal-plenticore', 'battery').read(), { atMs: clock.nowMs(), powerW: -1500, socPct: 63 });
    });
  });

  describe('Eastron SDM630 / SDM72 (input registers, float32)', () => {
    it('reads every value with FC4 in three blocks', async () => {
      server.setUnit(1, new HandBank(sdm630));
      const reader = recording(link);
      assert.deepEqual(await meter('eastron-sdm630', 'grid', reader).read(), {
        atMs: clock.nowMs(), powerW: 632.5, phasePowersW: [1035, -517.5, 115], phaseCurrentsA: [4.5, -2.25, 0.5],
        phaseVoltagesV: [230.5, 231.25, 229.75], importEnergyWh: 12_345_500, exportEnergyWh: 678_250,
      });
      assert.deepEqual(reader.requests, ['FC4 0x18', 'FC4 52x2', 'FC4 72x4']);
    });

    it('keeps SDM72 reads within 10 registers without splitting a value', async () => {
      server.setUnit(1, new HandBank(sdm630));
      const reader = recording(link);
      assert.equal((await meter('eastron-sdm72', 'grid', reader).read()).powerW, 632.5);
      assert.deepEqual(reader.requests, ['FC4 0x10', 'FC4 10x8', 'FC4 52x2', 'FC4 72x4']);
    });

    it('rejects an implausible value with an error naming it and its register', async () => {
      server.setUnit(1, new HandBank({ ...sdm630, 0x34: [0x7f7f, 0xc99e] })); // 3.4e38 W
      await assert.rejects(meter('eastron-sdm630', 'grid').read(),
        { message: `grid meter 127.0.0.1:${server.port} unit 1 (eastron-sdm630): implausible power (FC4 52): 3.4e+38 W` });
      server.setUnit(1, new HandBank({ ...sdm630, 0x00: [0x7f80, 0x0000, 0x4367, 0x4000, 0x4365, 0xc000] })); // +Infinity V on L1
      await assert.rejects(meter('eastron-sdm630', 'grid').read(), /implausible phase voltage L1 \(FC4 0\): Infinity V/);
    });

    it('falls back to the sum of the phases when the total is NaN', async () => {
      server.setUnit(1, new HandBank({ ...sdm630, 0x34: [0x7fc0, 0x0000] }));
      assert.equal((await meter('eastron-sdm630', 'grid').read()).powerW, 632.5);
    });
  });

  describe('Sungrow SH (input registers, low word first, export-positive)', () => {
    it('turns export-positive -2500 W into 2500 W of import and computes currents from power and voltage', async () => {
      server.setUnit(1, new HandBank(sungrow));
      const reader = recording(link);
      assert.deepEqual(await meter('sungrow-sh', 'grid', reader).read(), {
        atMs: clock.nowMs(), powerW: 2500, phasePowersW: [1000, 800, 700], phaseCurrentsA: [4.338, 3.481, 3.029],
        phaseVoltagesV: [230.5, 229.8, 231.1], importEnergyWh: 98_765_400,
      });
      assert.deepEqual(reader.requests, ['FC4 5018x3', 'FC4 5602x6', 'FC4 13009x2', 'FC4 13036x2']);
    });

    it('drops the optional phase powers for good when the device answers them with an exception', async () => {
      const { 5602: _missing, ...withoutPhases } = sungrow;
      server.setUnit(1, new HandBank(withoutPhases));
      const reader = recording(link);
      const grid = meter('sungrow-sh', 'grid', reader);
      assert.deepEqual(await grid.read(), { atMs: clock.nowMs(), powerW: 2500, phaseVoltagesV: [230.5, 229.8, 231.1], importEnergyWh: 98_765_400 });
      assert.deepEqual(reader.requests, ['FC4 5018x3', 'FC4 5602x6', 'FC4 5018x3', 'FC4 13009x2', 'FC4 13036x2']);
      reader.requests.length = 0;
      await grid.read();
      assert.deepEqual(reader.requests, ['FC4 5018x3', 'FC4 13009x2', 'FC4 13036x2']);
    });

    it('reads the battery: power as a magnitude with its direction from the running state bits of 13000', async () => {
      // 13000 running state, 13021 power 1800 W, 13022 SoC 64.5 %, 13026 discharged 1234.5 kWh (low word first).
      const battery = (state: number) => ({ 13000: [state], 13021: [1800, 645], 13026: [0x3039, 0x0000] });
      const reader = recording(link);
      server.setUnit(1, new HandBank(battery(0x0004)));
      assert.deepEqual(await meter('sungrow-sh', 'battery', reader).read(),
        { atMs: clock.nowMs(), powerW: 1800, socPct: 64.5, exportEnergyWh: 1_234_500 }, 'discharging counts positive');
      assert.deepEqual(reader.requests, ['FC4 13000x1', 'FC4 13021x2', 'FC4 13026x2']);
      server.setUnit(1, new HandBank(battery(0x0002)));
      assert.equal((await meter('sungrow-sh', 'battery').read()).powerW, -1800, 'charging counts negative');
      server.setUnit(1, new HandBank(battery(0x0001)));
      assert.equal((await meter('sungrow-sh', 'battery').read()).powerW, 0, 'neither bit: idle');
    });

    it('fails with the exception when a required register is missing', async () => {
      const { 13009: _missing, ...withoutPower } = sungrow;
      server.setUnit(1, new HandBank(withoutPower));
      await assert.rejects(meter('sungrow-sh', 'grid').read(),
        { message: `grid meter 127.0.0.1:${server.port} unit 1 (sungrow-sh): Modbus exception 2 (illegal data address)` });
    });
  });

  describe('meters built from the config', () => {
    const deps = () => ({ links: pool, profiles: catalog, clock, logger: silentLogger() });

    it('takes port and unit from the profile when the config leaves them out', () => {
      const kostal = catalog.get('kostal-plenticore');
      assert.deepEqual(resolveModbusTarget({ id: 'g', role: 'grid', device: 'kostal-plenticore', modbus: { host: 'inverter' } }, kostal),
        { transport: { kind: 'tcp', host: 'inverter', port: 1502 }, unit: 71, link: { timeoutMs: 1000 } });
      assert.deepEqual(resolveModbusTarget({ id: 'g', role: 'grid', device: 'fronius-gen24', modbus: { host: 'gen24' } }, catalog.get('fronius-gen24')),
        { transport: { kind: 'tcp', host: 'gen24', port: 502 }, unit: 200, link: { timeoutMs: 1000 } });
      // The SDongle needs its pause after each connect.
      assert.deepEqual(resolveModbusTarget({ id: 'g', role: 'pv', device: 'huawei-sun2000', modbus: { host: 'dongle', unit: 2, timeoutMs: 8000 } }, catalog.get('huawei-sun2000')),
        { transport: { kind: 'tcp', host: 'dongle', port: 502 }, unit: 2, link: { timeoutMs: 8000, connectDelayMs: 1000 } });
    });

    it('resolves serial and RTU-over-TCP links, with the usual line defaults', () => {
      const sdm = catalog.get('eastron-sdm630');
      assert.deepEqual(resolveModbusTarget({ id: 'g', role: 'grid', device: 'eastron-sdm630', modbus: { serial: { path: '/dev/ttyUSB0', baudRate: 9600 }, unit: 2 } }, sdm),
        { transport: { kind: 'rtu', path: '/dev/ttyUSB0', baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 }, unit: 2, link: { timeoutMs: 1000 } });
      assert.deepEqual(resolveModbusTarget({ id: 'g', role: 'grid', device: 'eastron-sdm630', modbus: { rtuOverTcp: { host: 'gw' } } }, sdm),
        { transport: { kind: 'rtu-over-tcp', host: 'gw', port: 502 }, unit: 1, link: { timeoutMs: 1000 } });
      assert.throws(() => resolveModbusTarget({ id: 'g', role: 'grid', device: 'shelly-pro-3em', modbus: { serial: { path: '/dev/ttyUSB0', baudRate: 9600 } } }, catalog.get('shelly-pro-3em')),
        { message: 'meter g: device shelly-pro-3em has no RS-485 (Modbus RTU) interface, so RTU 9600 8N1 on /dev/ttyUSB0 cannot reach it; use host (Modbus TCP)' });
    });

    it('gives meters on one serial port one link, and refuses two line settings for one port', () => {
      const sdm = (id: string, unit: number, baudRate: number) => createConfiguredMeter(
        { id, role: 'grid', device: 'eastron-sdm630', modbus: { serial: { path: '/dev/ttyRS485', baudRate }, unit } }, deps());
      sdm('a', 1, 9600);
      sdm('b', 2, 9600);
      const link = pool.forTransport({ kind: 'rtu', path: '/dev/ttyRS485', baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 });
      assert.equal(link.endpoint, '/dev/ttyRS485');
      assert.throws(() => sdm('c', 3, 19200), { message: '/dev/ttyRS485 is already in use as RTU 9600 8N1 on /dev/ttyRS485; every device on it must use RTU 9600 8N1 on /dev/ttyRS485' });
    });

    it('builds a profile meter for register roles, with the config\'s extra sign', async () => {
      server.setUnit(71, new HandBank(kostalGrid));
      const grid = createConfiguredMeter({ id: 'grid', role: 'grid', device: 'kostal-plenticore', powerSign: -1, modbus: { host: '127.0.0.1', port: server.port } }, deps());
      assert.ok(grid instanceof ProfileMeter);
      const reading = await grid.read();
      assert.equal(reading.powerW, 1234.5);
      assert.deepEqual(reading.phaseCurrentsA, [1.75, 1.75, 1.875]);
    });

    it('builds the SunSpec driver for SunSpec roles, flipping the SolarEdge meter', async () => {
      const image = createSunSpecGridMeter({ manufacturer: 'SolarEdge', model: 'WND-3Y400-MB', serial: 'M-1' });
      image.setPowerW(1500, [500, 500, 500]); // SolarEdge meters count export as positive
      server.setUnit(1, image);
      const grid = createConfiguredMeter({ id: 'grid', role: 'grid', device: 'solaredge', modbus: { host: '127.0.0.1', port: server.port } }, deps());
      assert.ok(grid instanceof SunSpecMeter);
      assert.equal((await grid.read()).powerW, -1500);
      const plain = createConfiguredMeter({ id: 'grid2', role: 'grid', device: 'sunspec', modbus: { host: '127.0.0.1', port: server.port, unit: 1 } }, deps());
      assert.equal((await plain.read()).powerW, 1500);
    });

    it('refuses a role the profile does not serve', () => {
      assert.throws(() => createConfiguredMeter({ id: 'x', role: 'battery', device: 'eastron-sdm630', modbus: { host: 'h' } }, deps()),
        /device eastron-sdm630 has no battery role/);
    });
  });
});
