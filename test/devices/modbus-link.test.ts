import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ModbusError, ModbusLink, ModbusLinkPool } from '../../src/devices/modbus/modbus-link.ts';
import { FakeClock, RealClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { startModbusServer, type ModbusSimServer, type RegisterBank } from '../../src/sim/modbus-server.ts';
import { RawModbusPeer, ticks, until } from './support/raw-modbus-peer.ts';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

function bank(start: number, words: number[]): RegisterBank {
  return { read: (address, count) => (address >= start && address + count <= start + words.length ? words.slice(address - start, address - start + count) : undefined) };
}

function linkTo(port: number, options: Partial<ConstructorParameters<typeof ModbusLink>[0]> = {}): ModbusLink {
  return new ModbusLink({ host: '127.0.0.1', port, clock: new RealClock(), logger: silentLogger(), timeoutMs: 500, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<ModbusError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ModbusError, `expected a ModbusError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

describe('ModbusLink', () => {
  let server: ModbusSimServer;
  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await startModbusServer({ units: [[1, bank(40000, [0x5375, 0x6e53, 1, 66])], [240, bank(100, [7, 8, 9])]] });
  });
  after(async () => {
    await server.close();
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, [], 'no unhandled rejections');
  });

  it('reads holding and input registers of several units over one connection', async () => {
    const link = linkTo(server.port);
    assert.deepEqual(await link.readHoldingRegisters(1, 40000, 4), [0x5375, 0x6e53, 1, 66]);
    assert.deepEqual(await link.readHoldingRegisters(240, 101, 2), [8, 9]);
    assert.deepEqual(await link.readInputRegisters(240, 100, 1), [7]);
    await link.close();
  });

  it('refuses reads of more than 125 registers before sending anything', async () => {
    const link = linkTo(server.port);
    await assert.rejects(link.readHoldingRegisters(1, 40000, 126), /cannot read 126 registers in one request \(1\.\.125\)/);
    await assert.rejects(link.readHoldingRegisters(1, 65535, 2), RangeError);
    await link.close();
  });

  it('names the endpoint, unit and exception in a Modbus exception', async () => {
    const link = linkTo(server.port);
    const error = await rejection(link.readHoldingRegisters(240, 40000, 2));
    assert.equal(error.message, `127.0.0.1:${server.port} unit 240: Modbus exception 2 (illegal data address)`);
    assert.equal(error.kind, 'exception');
    assert.equal(error.modbusCode, 2);
    assert.deepEqual(await link.readHoldingRegisters(240, 100, 1), [7], 'the connection survives an exception');
    await link.close();
  });

  it('sends one request at a time, whatever the unit, even when callers do not wait', async () => {
    const peer = await RawModbusPeer.start((frame, socket, self) => void ticks().then(() => self.answer(socket, frame)));
    const link = linkTo(peer.port, { interFrameGapMs: 1 });
    const results = await Promise.all([
      link.readHoldingRegisters(1, 10, 2), link.readHoldingRegisters(2, 20, 1), link.readInputRegisters(3, 30, 3),
    ]);
    assert.deepEqual(results, [[10, 11], [20], [30, 31, 32]]);
    assert.equal(peer.maxOutstanding, 1);
    assert.deepEqual(peer.frames.map((f) => [f.unit, f.functionCode]), [[1, 3], [2, 3], [3, 4]]);
    assert.equal(peer.connections, 1);
    await link.close();
    await peer.close();
  });

  it('fails a request at once with "connection closed" when the peer drops the connection mid-read', async () => {
    const peer = await RawModbusPeer.start((_frame, socket) => socket.destroy());
    const clock = new FakeClock();
    const link = linkTo(peer.port, { clock, interFrameGapMs: 0, timeoutMs: 5000 });
    const started = Date.now();
    const error = await rejection(link.readHoldingRegisters(1, 0, 1));
    assert.equal(error.message, `127.0.0.1:${peer.port} unit 1: connection closed`);
    assert.ok(Date.now() - started < 2000, 'did not wait for the timeout');

    const waiting = await rejection(link.readHoldingRegisters(1, 0, 1));
    assert.equal(waiting.kind, 'backoff');
    assert.match(waiting.message, /: not connected, next attempt in 500 ms \(last error: connection closed\)$/);

    peer.behaviour = (frame, socket, self) => self.answer(socket, frame);
    await clock.advance(500);
    assert.deepEqual(await link.readHoldingRegisters(1, 5, 1), [5], 'reconnects after the backoff');
    assert.equal(peer.connections, 2);
    await link.close();
    await peer.close();
  });

  it('times out on a peer that never answers, and reconnects for the next request', async () => {
    const peer = await RawModbusPeer.start(() => undefined);
    const link = linkTo(peer.port, { timeoutMs: 50 });
    const error = await rejection(link.readHoldingRegisters(3, 0, 1));
    assert.equal(error.message, `127.0.0.1:${peer.port} unit 3: timed out after 50 ms`);
    assert.equal(error.kind, 'timeout');
    peer.behaviour = (frame, socket, self) => self.answer(socket, frame);
    assert.deepEqual(await link.readHoldingRegisters(3, 9, 1), [9]);
    assert.equal(peer.connections, 2);
    await link.close();
    await peer.close();
  });

  it('backs off exponentially while the endpoint refuses connections', async () => {
    const peer = await RawModbusPeer.start(() => undefined);
    const port = peer.port;
    await peer.close();
    const clock = new FakeClock();
    const link = linkTo(port, { clock, interFrameGapMs: 0, backoffInitialMs: 100, backoffMaxMs: 350 });
    const messages: string[] = [];
    for (const stepMs of [0, 100, 200, 350, 350]) {
      await clock.advance(stepMs);
      messages.push((await rejection(link.readHoldingRegisters(1, 0, 1))).message);
      messages.push((await rejection(link.readHoldingRegisters(1, 0, 1))).message.replace(/ \(last error.*/, ''));
    }
    assert.match(messages[0] ?? '', /unit 1: cannot connect: .*ECONNREFUSED/);
    assert.deepEqual(messages.filter((_, i) => i % 2 === 1).map((m) => m.replace(/^.*: /, '')),
      ['not connected, next attempt in 100 ms', 'not connected, next attempt in 200 ms', 'not connected, next attempt in 350 ms',
        'not connected, next attempt in 350 ms', 'not connected, next attempt in 350 ms']);
    await link.close();
  });

  it('keeps serving other links while one endpoint hangs', async () => {
    const silent = await RawModbusPeer.start(() => undefined);
    const pool = new ModbusLinkPool({ clock: new RealClock(), logger: silentLogger(), timeoutMs: 200 });
    const order: string[] = [];
    const hanging = pool.get('127.0.0.1', silent.port).readHoldingRegisters(1, 0, 1).catch(() => order.push('hanging failed'));
    const healthy = pool.get('127.0.0.1', server.port).readHoldingRegisters(1, 40000, 2).then(() => order.push('healthy read'));
    await Promise.all([hanging, healthy]);
    assert.deepEqual(order, ['healthy read', 'hanging failed']);
    await pool.close();
    await silent.close();
  });

  it('hands out one link per endpoint', async () => {
    const pool = new ModbusLinkPool({ clock: new RealClock(), logger: silentLogger() });
    assert.equal(pool.get('127.0.0.1', 502), pool.get('127.0.0.1', 502));
    assert.notEqual(pool.get('127.0.0.1', 502), pool.get('127.0.0.1', 1502));
    await pool.close();
  });

  it('waits connectDelayMs after connecting before the first request (Huawei SDongle), and not again while connected', async () => {
    const peer = await RawModbusPeer.start((frame, socket, self) => self.answer(socket, frame));
    const clock = new FakeClock();
    const link = linkTo(peer.port, { clock, interFrameGapMs: 0, connectDelayMs: 1500 });
    let answered = false;
    const first = link.readHoldingRegisters(1, 7, 1).then((words) => { answered = true; return words; });
    await until(() => link.isConnected);
    await clock.advance(1499);
    await ticks(20);
    assert.equal(peer.frames.length, 0, 'nothing sent during the pause');
    assert.equal(answered, false);
    await clock.advance(1);
    assert.deepEqual(await first, [7]);
    assert.deepEqual(await link.readHoldingRegisters(1, 8, 1), [8], 'no pause on a connection already open');
    assert.equal(peer.connections, 1);
    await link.close();
    await peer.close();
  });

  it('parks a unit after repeated timeouts, fails it fast while parked, doubles the time, and frees it on an answer', async () => {
    const silentUnits = new Set([5]);
    const peer = await RawModbusPeer.start((frame, socket, self) => { if (!silentUnits.has(frame.unit)) self.answer(socket, frame); });
    const clock = new FakeClock();
    const link = linkTo(peer.port, { clock, interFrameGapMs: 0, timeoutMs: 100, parkAfterTimeouts: 2, parkInitialMs: 1000, parkMaxMs: 1500 });
    const timeOut = async (): Promise<ModbusError> => {
      const pending = rejection(link.readHoldingRegisters(5, 0, 1));
      await until(() => peer.frames.length > sent);
      sent = peer.frames.length;
      await clock.advance(100);
      return pending;
    };
    let sent = 0;
    assert.equal((await timeOut()).kind, 'timeout');
    assert.deepEqual(await link.readHoldingRegisters(1, 3, 1), [3], 'one timeout parks nothing; other units go on');
    sent = peer.frames.length;
    assert.equal((await timeOut()).kind, 'timeout');
    const parked = await rejection(link.readHoldingRegisters(5, 0, 1));
    assert.equal(parked.kind, 'parked');
    assert.equal(parked.message, `127.0.0.1:${peer.port} unit 5: not answering (2 timeouts in a row), parked for another 1000 ms`);
    assert.equal(peer.frames.length, sent, 'a parked unit costs the bus nothing');
    assert.deepEqual(link.parkedUnits(), [{ unit: 5, untilMs: clock.nowMs() + 1000 }]);
    assert.deepEqual(await link.readHoldingRegisters(1, 4, 1), [4]);
    sent = peer.frames.length;
    await clock.advance(1000);
    assert.equal((await timeOut()).kind, 'timeout', 'tried again once the time is up');
    assert.match((await rejection(link.readHoldingRegisters(5, 0, 1))).message, /parked for another 1500 ms$/, 'doubled, capped at parkMaxMs');
    await clock.advance(1500);
    silentUnits.clear();
    assert.deepEqual(await link.readHoldingRegisters(5, 6, 1), [6]);
    assert.deepEqual(link.parkedUnits(), []);
    await link.close();
    await peer.close();
  });

  it('fails clearly and backs off when a serial port cannot be opened', async () => {
    const clock = new FakeClock();
    const link = new ModbusLink({
      transport: { kind: 'rtu', path: '/nonexistent/ttyUSB9', baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 },
      clock, logger: silentLogger(), interFrameGapMs: 0, backoffInitialMs: 1000,
    });
    const error = await rejection(link.readInputRegisters(1, 0, 2));
    assert.equal(error.kind, 'connect');
    assert.match(error.message, /^\/nonexistent\/ttyUSB9 unit 1: cannot connect: .*No such file or directory/);
    const waiting = await rejection(link.readInputRegisters(2, 0, 2));
    assert.equal(waiting.kind, 'backoff');
    assert.match(waiting.message, /^\/nonexistent\/ttyUSB9 unit 2: not connected, next attempt in 1000 ms/);
    await link.close();
  });

  it('rejects an aborted request, and requests after close', async () => {
    const link = linkTo(server.port);
    const controller = new AbortController();
    controller.abort();
    assert.equal((await rejection(link.readHoldingRegisters(1, 40000, 1, controller.signal))).kind, 'aborted');
    await link.close();
    assert.equal((await rejection(link.readHoldingRegisters(1, 40000, 1))).kind, 'link-closed');
  });
});
