import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ModbusLink } from '../../src/devices/modbus/modbus-link.ts';
import { createSunSpecMeter } from '../../src/devices/sunspec/sunspec-meter.ts';
import { FakeClock, RealClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { startModbusServer, type ModbusSimServer } from '../../src/sim/modbus-server.ts';
import { createSunSpecGridMeter, createSunSpecInverter } from '../../src/sim/sunspec-device.ts';
import { RawModbusPeer, until, type PeerBehaviour } from './support/raw-modbus-peer.ts';

const grid = createSunSpecGridMeter({ manufacturer: 'X', model: 'Y', serial: 'Z' });
grid.setPowerW(3000);
const MODEL_203 = grid.modelAddress(203);

/** Serves the grid meter image, like a real device would. */
const serveImage: PeerBehaviour = (frame, socket, peer) => {
  const words = grid.read(frame.address, frame.count);
  if (words === undefined) peer.exception(socket, frame, 2);
  else peer.answer(socket, frame, words);
};

/** Answers discovery, then misbehaves with `fault` on the model data read. */
function faultyOnData(fault: PeerBehaviour): PeerBehaviour {
  return (frame, socket, peer) => (frame.address === MODEL_203 && frame.count > 2 ? fault(frame, socket, peer) : serveImage(frame, socket, peer));
}

describe('SunSpecMeter under faults', () => {
  const clock = new FakeClock();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  let healthy: ModbusSimServer;

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    const inverter = createSunSpecInverter({ manufacturer: 'A', model: 'B', serial: 'C' });
    inverter.setPowerW(5000);
    healthy = await startModbusServer({ units: [[1, inverter]] });
  });
  after(async () => {
    await healthy.close();
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, [], 'no unhandled rejections');
  });

  const linkTo = (port: number, timeoutMs = 100): ModbusLink =>
    new ModbusLink({ host: '127.0.0.1', port, clock, logger: silentLogger(), timeoutMs, interFrameGapMs: 0 });
  const gridMeter = (link: ModbusLink) => createSunSpecMeter({ id: 'grid', role: 'grid', link, unit: 1, clock, logger: silentLogger() });

  it('fails with "connection closed" when the device drops the connection mid-read, then recovers', async () => {
    const peer = await RawModbusPeer.start(faultyOnData((_frame, socket) => socket.destroy()));
    const link = linkTo(peer.port, 5000);
    const meter = gridMeter(link);
    await assert.rejects(meter.read(), { message: `grid meter 127.0.0.1:${peer.port} unit 1: connection closed` });
    peer.behaviour = serveImage;
    await assert.rejects(meter.read(), /grid meter .* unit 1: not connected, next attempt in 500 ms/);
    await clock.advance(500);
    assert.equal((await meter.read()).powerW, 3000);
    await link.close();
    await peer.close();
  });

  it('fails with a timeout when the device stops answering', async () => {
    const peer = await RawModbusPeer.start(faultyOnData(() => undefined));
    const link = linkTo(peer.port, 80);
    let settled = false;
    const failed = assert.rejects(gridMeter(link).read().finally(() => (settled = true)), { message: `grid meter 127.0.0.1:${peer.port} unit 1: timed out after 80 ms` });
    await until(() => peer.frames.some((f) => f.address === MODEL_203 && f.count > 2));
    await clock.advance(79);
    assert.equal(settled, false, 'still waiting 1 ms before the timeout');
    await clock.advance(1);
    await failed;
    await link.close();
    await peer.close();
  });

  it('fails clearly on a reply with the wrong number of registers', async () => {
    const peer = await RawModbusPeer.start(faultyOnData((frame, socket, self) => self.answer(socket, frame, [1, 2, 3])));
    const link = linkTo(peer.port);
    await assert.rejects(gridMeter(link).read(), /^Error: grid meter 127\.0\.0\.1:\d+ unit 1: malformed reply: Data length error/);
    await link.close();
    await peer.close();
  });

  it('fails clearly on exception 4 (server device failure)', async () => {
    const peer = await RawModbusPeer.start(faultyOnData((frame, socket, self) => self.exception(socket, frame, 4)));
    const link = linkTo(peer.port);
    await assert.rejects(gridMeter(link).read(), { message: `grid meter 127.0.0.1:${peer.port} unit 1: Modbus exception 4 (server device failure)` });
    await link.close();
    await peer.close();
  });

  it('rejects garbage: a scale factor out of range gives no power, not a wild number', async () => {
    const garbage = createSunSpecGridMeter({ manufacturer: 'X', model: 'Y', serial: 'Z' });
    garbage.setPowerW(3000);
    garbage.setRaw(203, 'W_SF', [0x0033]);
    garbage.setRaw(203, 'WphA', [0x8000]);
    const server = await startModbusServer({ units: [[1, garbage]] });
    const link = linkTo(server.port);
    await assert.rejects(gridMeter(link).read(), /grid meter .* unit 1: no power: W and per-phase W are not implemented/);
    await link.close();
    await server.close();
  });

  it('keeps reading devices behind other links while one device hangs', async () => {
    const silent = await RawModbusPeer.start(() => undefined);
    const deadLink = new ModbusLink({ host: '127.0.0.1', port: silent.port, clock: new RealClock(), logger: silentLogger(), timeoutMs: 200 });
    const goodLink = new ModbusLink({ host: '127.0.0.1', port: healthy.port, clock: new RealClock(), logger: silentLogger() });
    const pv = createSunSpecMeter({ id: 'pv', role: 'pv', link: goodLink, unit: 1, clock, logger: silentLogger() });
    const events: string[] = [];
    await Promise.all([
      gridMeter(deadLink).read().catch((error: Error) => events.push(`grid: ${error.message.replace(/^.*: /, '')}`)),
      pv.read().then((reading) => events.push(`pv: ${reading.powerW} W`)),
    ]);
    assert.deepEqual(events, ['pv: 5000 W', 'grid: timed out after 200 ms']);
    await deadLink.close();
    await goodLink.close();
    await silent.close();
  });
});
