/**
 * Sunplug's SunSpec simulator read by mbpoll, an independent Modbus client: the simulator must put "SunS", the
 * models and the scaled values at the addresses a third-party tool expects.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startModbusServer, type ModbusSimServer } from '../../src/sim/modbus-server.ts';
import { SunSpecDeviceImage, createSunSpecGridMeter, createSunSpecInverter } from '../../src/sim/sunspec-device.ts';
import { requireMbpoll, runMbpoll } from './support/external-peers.ts';

describe('SunSpec simulator read by mbpoll', () => {
  let server: ModbusSimServer;

  before(async () => {
    requireMbpoll();
    const inverter = createSunSpecInverter({ manufacturer: 'Fronius', model: 'Symo', serial: 'S-1' });
    inverter.setPowerW(4210);
    inverter.setEnergyWh(12_345_678);
    const grid = createSunSpecGridMeter({ manufacturer: 'Fronius', model: 'TS 65A-3', serial: 'M-1' });
    grid.setPowerW(-1500);
    const floatMeter = new SunSpecDeviceImage({ common: { manufacturer: 'Fronius', model: 'TS', serial: 'F-1' }, models: [213] });
    floatMeter.set(213, 'W', 1234.5);
    server = await startModbusServer({ units: [[1, inverter], [240, grid], [241, floatMeter]] });
  });
  after(async () => {
    await server?.close();
  });

  it('finds "SunS" and the common model at 40000', async () => {
    const { code, values, output } = await runMbpoll(server.port, ['-a', '1', '-0', '-r', '40000', '-c', '6', '-t', '4:hex']);
    assert.equal(code, 0, output);
    assert.deepEqual([...values.values()], ['0x5375', '0x6E53', '0x0001', '0x0042', '0x4672', '0x6F6E']);
  });

  it('reads the inverter W at 40084 with its scale factor and WH as a big-endian 32-bit integer', async () => {
    const power = await runMbpoll(server.port, ['-a', '1', '-0', '-r', '40070', '-c', '2', '-t', '4']);
    assert.equal(power.code, 0, power.output);
    assert.deepEqual([...power.values.values()], ['103', '50']);
    const watts = await runMbpoll(server.port, ['-a', '1', '-0', '-r', '40084', '-c', '2', '-t', '4']);
    assert.deepEqual([...watts.values.values()], ['4210', '0']);
    const energy = await runMbpoll(server.port, ['-a', '1', '-0', '-r', '40094', '-c', '1', '-t', '4:int', '-B']);
    assert.equal(energy.code, 0, energy.output);
    assert.deepEqual([...energy.values.values()], ['12345678']);
  });

  it("reads the grid meter's negative W on unit 240 as two's complement, from the input registers too", async () => {
    const result = await runMbpoll(server.port, ['-a', '240', '-0', '-r', '40088', '-c', '1', '-t', '3:hex']);
    assert.equal(result.code, 0, result.output);
    assert.deepEqual([...result.values.values()], [`0x${(-1500 & 0xffff).toString(16).toUpperCase()}`]);
  });

  it('reads a float meter W with -B', async () => {
    const result = await runMbpoll(server.port, ['-a', '241', '-0', '-r', '40098', '-c', '1', '-t', '4:float', '-B']);
    assert.equal(result.code, 0, result.output);
    assert.deepEqual([...result.values.values()], ['1234.5']);
  });

  it('answers exception 2 for addresses past the end marker and for unknown units', async () => {
    const past = await runMbpoll(server.port, ['-a', '1', '-0', '-r', '40124', '-c', '2', '-t', '4']);
    assert.notEqual(past.code, 0);
    assert.match(past.output, /Illegal data address/);
    const unknown = await runMbpoll(server.port, ['-a', '9', '-0', '-r', '40000', '-c', '2', '-t', '4']);
    assert.match(unknown.output, /Illegal data address/);
  });
});
