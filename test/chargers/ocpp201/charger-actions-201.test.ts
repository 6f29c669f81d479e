import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ChargerAdapter } from '../../../src/chargers/charger-adapter.ts';
import { SimulatedChargingStation201 } from '../../../src/sim/ocpp201-charge-point.ts';
import { startServicesStack, type ServicesStack } from '../charger-services-kit.ts';
import { nextConnection, waitForState } from '../ocpp-test-kit.ts';
import { TestChargePoint } from './test-charge-point.ts';

/** Resolves with the next CSMS request of `action` the 2.0.1 simulator answers. */
function nextRequest(cp: SimulatedChargingStation201, action: string): Promise<{ payload: unknown; response: unknown }> {
  return new Promise((resolve) => {
    const off = cp.onRequest((request) => {
      if (request.action !== action) return;
      off();
      resolve(request);
    });
  });
}

describe('cards and charger actions on the 2.0.1 simulator', () => {
  let s: ServicesStack;
  let cp: SimulatedChargingStation201;
  let adapter: ChargerAdapter;

  before(async () => {
    s = await startServicesStack({ known: ['cs1'] });
    s.services.cards.add({ idTag: 'FAMILY01', name: 'Blue', owner: 'Ana', status: 'accepted', expiresAtMs: null }, s.clock.nowMs());
    cp = new SimulatedChargingStation201({ id: 'cs1', url: s.url, clock: s.clock, voltageV: 230, autoStart: false });
    const connected = nextConnection(s.server);
    const full = nextRequest(cp, 'SendLocalList');
    await cp.start();
    adapter = await connected;
    const sent = await full;
    assert.deepEqual(sent.payload, {
      versionNumber: 1, updateType: 'Full',
      localAuthorizationList: [{ idToken: { idToken: 'FAMILY01', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } }],
    });
  });

  after(async () => {
    await cp.stop();
    await s.close();
  });

  it('sends card changes as differential updates with idTokens', async () => {
    const update = nextRequest(cp, 'SendLocalList');
    await s.api('/api/v1/cards/FAMILY01', { method: 'PUT', body: { status: 'blocked' } });
    assert.deepEqual((await update).payload, {
      versionNumber: 2, updateType: 'Differential',
      localAuthorizationList: [{ idToken: { idToken: 'FAMILY01', type: 'ISO14443' }, idTokenInfo: { status: 'Blocked' } }],
    });
    const removal = nextRequest(cp, 'SendLocalList');
    await s.api('/api/v1/cards/FAMILY01', { method: 'DELETE' });
    assert.deepEqual((await removal).payload, { versionNumber: 3, updateType: 'Differential', localAuthorizationList: [{ idToken: { idToken: 'FAMILY01', type: 'ISO14443' } }] });
    assert.equal(cp.maintenance.localList.size, 0);
    const back = nextRequest(cp, 'SendLocalList');
    await s.api('/api/v1/cards', { method: 'POST', body: { idTag: 'FAMILY01', owner: 'Ana' } });
    await back;
    assert.equal(cp.maintenance.lookup('FAMILY01'), 'Accepted');
  });

  it('refuses an unknown idToken online once the list holds a card, and remembers it', async () => {
    await cp.plugIn();
    assert.equal(await cp.presentCard('STRANGER'), 'Invalid');
    assert.equal((await s.api('/api/v1/cards')).body.unknown[0].idTag, 'STRANGER');
    await cp.unplug();
  });

  it('starts remotely with RequestStartTransaction and stops with RequestStopTransaction', async () => {
    await cp.plugIn();
    const started = await s.api('/api/v1/chargers/cs1/start', { method: 'POST', body: {} });
    assert.equal(started.body.status, 'Accepted');
    const open = await waitForState(adapter, (state) => state.transactionId !== undefined);
    assert.equal(open.transactionId, cp.transactionId);
    const stopped = await s.api('/api/v1/chargers/cs1/stop', { method: 'POST', body: {} });
    assert.deepEqual(stopped.body, { status: 'Accepted', transactionId: open.transactionId });
    await waitForState(adapter, (state) => state.transactionId === undefined);
    assert.equal((await s.api('/api/v1/chargers/cs1/stop', { method: 'POST', body: {} })).status, 409);
    await cp.unplug();
  });

  it('reserves the EVSE (shown as reserved) and cancels', async () => {
    const reserved = waitForState(adapter, (state) => state.status === 'reserved');
    const made = await s.api('/api/v1/chargers/cs1/reservations', { method: 'POST', body: { idTag: 'FAMILY01', expiresAt: s.clock.nowMs() + 600_000 } });
    assert.equal(made.status, 201);
    await reserved;
    const available = waitForState(adapter, (state) => state.status === 'available');
    assert.deepEqual((await s.api(`/api/v1/chargers/cs1/reservations/${made.body.reservationId}`, { method: 'DELETE' })).body, { status: 'Accepted' });
    await available;
  });

  it('updates firmware (firmware.location on Sunplug) and uploads its log (GetLog), with requestIds matching the jobs', async () => {
    const firmware = Buffer.from('2.0.1 firmware image '.repeat(500));
    const uploaded = await s.api('/api/v1/firmware?name=station.bin', { method: 'POST', raw: firmware, headers: { 'content-type': 'application/octet-stream' } });
    const request = nextRequest(cp, 'UpdateFirmware');
    const job = await s.api('/api/v1/chargers/cs1/firmware', { method: 'POST', body: { file: uploaded.body.id, retrieveAt: new Date(s.clock.nowMs()).toISOString() } });
    assert.equal(job.body.answer.status, 'Accepted');
    const payload = (await request).payload as { requestId: number; firmware: { location: string } };
    assert.equal(payload.requestId, job.body.job.id);
    await cp.maintenance.settled();
    assert.equal(cp.maintenance.downloads[0]?.sha256, createHash('sha256').update(firmware).digest('hex'));
    const log = await s.api('/api/v1/chargers/cs1/diagnostics', { method: 'POST', body: { from: s.clock.nowMs() - 3_600_000 } });
    assert.equal(log.body.answer.status, 'Accepted');
    await cp.maintenance.settled();
    const jobs = (await s.api('/api/v1/chargers/cs1/jobs')).body as Array<{ kind: string; status: string; upload?: { size: number } }>;
    assert.deepEqual(jobs.map((j) => [j.kind, j.status]), [['diagnostics', 'Uploaded'], ['firmware', 'Installed']]);
    assert.ok((jobs[0]?.upload?.size ?? 0) > 0);
  });

  it('keeps the family charging from the local list while Sunplug is away; the transaction arrives later, marked offline', async () => {
    await s.server.close();
    await waitForState(adapter, (state) => !state.connected);
    await cp.plugIn();
    assert.equal(await cp.presentCard('STRANGER'), 'Invalid');
    assert.equal(await cp.presentCard('FAMILY01'), 'Accepted');
    assert.ok(cp.queuedEvents > 0, 'the Started event waits for the line');
    await s.clock.advance(5_000);
    assert.ok(cp.offeredCurrentA > 0);
  });
});

describe('our 2.0.1 frames for cards and actions, judged by typed-ocpp', () => {
  let s: ServicesStack;
  let cp: TestChargePoint;

  before(async () => {
    s = await startServicesStack({ known: ['tcp1'] });
    s.services.cards.add({ idTag: 'FAMILY01', name: '', owner: '', status: 'accepted', expiresAtMs: s.clock.nowMs() + 86_400_000 }, s.clock.nowMs());
    const connected = nextConnection(s.server);
    cp = await TestChargePoint.connect({ url: s.url, id: 'tcp1', clock: s.clock });
    await connected;
    await cp.status('Available');
    await cp.boot();
    await cp.waitForCall('GetLocalListVersion');
  });

  after(async () => {
    await cp.close();
    await s.close();
  });

  it('answers Authorize and TransactionEvent idTokens from the card list, with the card\'s expiry', async () => {
    const accepted = await cp.authorize('FAMILY01');
    assert.deepEqual(accepted, { idTokenInfo: { status: 'Accepted', cacheExpiryDateTime: new Date(s.clock.nowMs() + 86_400_000).toISOString() } });
    assert.deepEqual(await cp.authorize('NOBODY'), { idTokenInfo: { status: 'Invalid' } });
    const started = await cp.transactionEvent('Started', { transactionId: 'tx-1', idToken: 'NOBODY', chargingState: 'EVConnected' });
    assert.deepEqual(started, { idTokenInfo: { status: 'Invalid' } });
    await cp.transactionEvent('Ended', { transactionId: 'tx-1', stoppedReason: 'DeAuthorized' });
  });

  it('sends schema-valid requests for every action; a station that implements none of them gets clear errors', async () => {
    const sync = s.services.localLists.status('tcp1');
    assert.equal(sync?.outcome, 'unsupported', 'GetLocalListVersion answered NotImplemented');
    const upload = await s.api('/api/v1/firmware?name=a.bin', { method: 'POST', raw: 'firmware', headers: { 'content-type': 'application/octet-stream' } });
    for (const [path, body] of [
      ['reset', { type: 'hard' }], ['unlock', { connectorId: 1 }], ['availability', { operative: false, connectorId: 1 }],
      ['reservations', { idTag: 'FAMILY01', expiresAt: s.clock.nowMs() + 60_000 }], ['firmware', { file: upload.body.id }], ['diagnostics', {}],
    ] as const) {
      const answer = await s.api(`/api/v1/chargers/tcp1/${path}`, { method: 'POST', body });
      assert.equal(answer.status, 502, path);
      assert.match(answer.body.error.message, /NotImplemented/);
    }
    const trigger = await s.api('/api/v1/chargers/tcp1/trigger', { method: 'POST', body: { message: 'StatusNotification', connectorId: 1 } });
    assert.deepEqual(trigger.body, { status: 'Accepted' });
    assert.equal((await s.api('/api/v1/chargers/tcp1/trigger', { method: 'POST', body: { message: 'DiagnosticsStatusNotification' } })).status, 400,
      'a 1.6-only message is refused for a 2.0.1 station');
    const started = await s.api('/api/v1/chargers/tcp1/start', { method: 'POST', body: { idTag: 'FAMILY01', connectorId: 1 } });
    assert.equal(started.body.status, 'Accepted');
    const call = await cp.waitForCall('RequestStartTransaction');
    assert.deepEqual(call.payload.idToken, { idToken: 'FAMILY01', type: 'Central' });
    assert.deepEqual(cp.violations, []);
  });
});
