import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { ChargerAdapter } from '../../src/chargers/charger-adapter.ts';
import type { DisconnectInfo } from '../../src/chargers/ocpp-server.ts';
import { capturingLogger, nextConnection, RawCharger, refusal, startTestServer, waitForState, type TestServer } from './ocpp-test-kit.ts';

describe('the OCPP server under bad input', () => {
  let t: TestServer;
  const log = capturingLogger();

  before(async () => {
    t = await startTestServer({ known: ['raw1', 'raw2', 'dup'], logger: log.logger });
  });

  after(async () => {
    await t.server.close();
  });

  it('answers malformed JSON with a CALLERROR and keeps the socket open', async () => {
    const raw = new RawCharger(t.url, 'raw1');
    await raw.open();
    raw.ws.send('{this is not json');
    const reply = await raw.next();
    assert.ok(Array.isArray(reply));
    assert.equal(reply[0], 4);
    assert.equal(reply[1], '-1');
    raw.ws.send(JSON.stringify({ not: 'an array' }));
    assert.equal((await raw.next() as unknown[])[0], 4);
    assert.ok(log.lines.some((line) => String(line.msg).includes('malformed frame')), 'malformed frames are logged');
    const heartbeat = await raw.call('h1', 'Heartbeat', {});
    assert.deepEqual(heartbeat, [3, 'h1', { currentTime: new Date(t.clock.nowMs()).toISOString() }]);
    raw.ws.close();
  });

  it('answers an unknown action with NotImplemented', async () => {
    const raw = new RawCharger(t.url, 'raw1');
    await raw.open();
    const reply = await raw.call('u1', 'MakeCoffee', { sugar: 2 });
    assert.ok(Array.isArray(reply));
    assert.deepEqual(reply.slice(0, 3), [4, 'u1', 'NotImplemented']);
    raw.ws.close();
  });

  it('logs schema-invalid payloads and handles what it can, without crashing', async () => {
    const connected = nextConnection(t.server);
    const raw = new RawCharger(t.url, 'raw1');
    await raw.open();
    const adapter = await connected;
    const before = log.lines.length;
    assert.deepEqual(await raw.call('s1', 'StatusNotification', { connectorId: 'one', status: 42 }), [3, 's1', {}]);
    const newLines = log.lines.slice(before);
    assert.ok(newLines.some((l) => l.method === 'StatusNotification' && String(l.msg).includes('does not match the schema')));
    assert.ok(newLines.some((l) => String(l.msg).includes('unreadable StatusNotification')));
    assert.equal(adapter.snapshot().status, 'unavailable', 'the state did not take the invalid status');

    // A StartTransaction without meterStart still gets a transaction id: the charger is waiting for one.
    const start = await raw.call('t1', 'StartTransaction', { connectorId: 1, idTag: 'X' });
    assert.ok(Array.isArray(start));
    assert.equal(start[0], 3);
    assert.ok(Number.isInteger((start[2] as { transactionId: number }).transactionId));

    // A CALLRESULT nobody asked for is a bad message: logged, not fatal.
    raw.ws.send(JSON.stringify([3, 'never-sent', {}]));
    assert.deepEqual(await raw.call('h2', 'Heartbeat', {}), [3, 'h2', { currentTime: new Date(t.clock.nowMs()).toISOString() }]);
    raw.ws.close();
  });

  it('keeps serving other chargers while one misbehaves', async () => {
    const bad = new RawCharger(t.url, 'raw1');
    const good = new RawCharger(t.url, 'raw2');
    await Promise.all([bad.open(), good.open()]);
    for (let i = 0; i < 5; i++) bad.ws.send('garbage');
    const reply = await good.call('b1', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    assert.ok(Array.isArray(reply));
    assert.equal((reply[2] as { status: string }).status, 'Accepted');
    bad.ws.close();
    good.ws.close();
  });

  it('closes the socket of a charger that sends a frame above the size limit (1009); others carry on', async () => {
    const big = new RawCharger(t.url, 'raw1');
    const good = new RawCharger(t.url, 'raw2');
    await Promise.all([big.open(), good.open()]);
    // Just under the 64 kB default: served like any other call.
    const nearLimit = await big.call('d1', 'DataTransfer', { vendorId: 'x', data: 'a'.repeat(60_000) });
    assert.deepEqual((nearLimit as unknown[]).slice(0, 2), [3, 'd1']);
    const closed = once(big.ws, 'close');
    const serverSide = new Promise<DisconnectInfo>((resolve) => {
      const off = t.server.onChargerDisconnected((adapter, info) => {
        if (adapter.id !== 'raw1') return;
        off();
        resolve(info);
      });
    });
    big.ws.send(JSON.stringify([2, 'd2', 'DataTransfer', { vendorId: 'x', data: 'a'.repeat(70_000) }]));
    const [code] = await closed;
    assert.equal(code, 1009, 'closed as "message too big"');
    assert.equal((await serverSide).replaced, false, 'the server dropped the charger');
    assert.ok(log.lines.some((line) => String(line.msg).includes('above the size limit')), 'logged');
    const reply = await good.call('g1', 'Heartbeat', {});
    assert.deepEqual((reply as unknown[]).slice(0, 2), [3, 'g1'], 'the other charger is unaffected');
    const again = new RawCharger(t.url, 'raw1');
    await again.open();
    assert.deepEqual((await again.call('h9', 'Heartbeat', {}) as unknown[]).slice(0, 2), [3, 'h9'], 'the server still accepts connections');
    again.ws.close();
    good.ws.close();
  });

  it('takes its frame limit from the settings (ocpp.maxFrameBytes)', async () => {
    const small = await startTestServer({ known: ['raw1'], maxFrameBytes: 8192 });
    try {
      const raw = new RawCharger(small.url, 'raw1');
      await raw.open();
      const closed = once(raw.ws, 'close');
      raw.ws.send(JSON.stringify([2, 'd3', 'DataTransfer', { vendorId: 'x', data: 'a'.repeat(10_000) }]));
      assert.equal((await closed)[0], 1009);
    } finally {
      await small.server.close();
    }
  });

  it('refuses a connection without a subprotocol, or with none it supports', async () => {
    assert.equal(await refusal(t.url, 'raw1'), 400);
    assert.equal(await refusal(t.url, 'raw1', ['ocpp1.5']), 400);
  });

  it('refuses an unknown charger id', async () => {
    assert.equal(await refusal(t.url, 'stranger', ['ocpp1.6']), 401);
    assert.equal(t.server.adapterFor('stranger'), undefined);
  });

  it('replaces an older connection of the same charger and closes the old socket', async () => {
    const first = new RawCharger(t.url, 'dup');
    const firstConnected = nextConnection(t.server);
    await first.open();
    const adapter: ChargerAdapter = await firstConnected;
    const closedByServer = once(first.ws, 'close');
    const disconnects: DisconnectInfo[] = [];
    const oldSocketGone = new Promise<void>((resolve) => {
      const off = t.server.onChargerDisconnected((_adapter, info) => {
        disconnects.push(info);
        off();
        resolve();
      });
    });

    const second = new RawCharger(t.url, 'dup');
    const secondConnected = nextConnection(t.server);
    await second.open();
    assert.equal(await secondConnected, adapter, 'the same adapter object serves the new socket');
    const [code, reason] = await closedByServer;
    assert.equal(code, 1000);
    assert.equal(String(reason), 'Replaced by a new connection');
    await oldSocketGone;
    assert.deepEqual(disconnects.map((d) => d.replaced), [true]);
    assert.equal(adapter.snapshot().connected, true, 'the late close of the old socket does not take the charger offline');
    assert.deepEqual((await second.call('h3', 'Heartbeat', {}) as unknown[])[0], 3);

    const offline = waitForState(adapter, (s) => !s.connected);
    second.ws.close();
    assert.equal((await offline).status, 'offline');
  });
});
