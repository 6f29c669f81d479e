import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ChargerAdapter } from '../../src/chargers/charger-adapter.ts';
import { SimulatedChargePoint } from '../../src/sim/ocpp-charge-point.ts';
import { startServicesStack, type ServicesStack } from './charger-services-kit.ts';
import { nextConnection, waitForRequest, waitForState } from './ocpp-test-kit.ts';

/** Remote start/stop, installer actions, reservations, firmware and diagnostics against the 1.6 simulator. */
describe('charger actions on a 1.6 wallbox', () => {
  let s: ServicesStack;
  let cp: SimulatedChargePoint;
  let adapter: ChargerAdapter;

  before(async () => {
    s = await startServicesStack({ known: ['cp1', 'cp2', 'basic'], maxFirmwareBytes: 64 * 1024 });
    cp = new SimulatedChargePoint({ id: 'cp1', url: s.url, clock: s.clock, voltageV: 230, autoStart: false });
    const connected = nextConnection(s.server);
    const synced = waitForRequest(cp, 'SendLocalList');
    await cp.start();
    adapter = await connected;
    await synced; // set-up done: capabilities read (SupportedFeatureProfiles)
  });

  after(async () => {
    await cp.stop();
    await s.close();
  });

  it('starts a transaction remotely and stops it; nothing to stop is a 409', async () => {
    await cp.plugIn();
    const started = await s.api('/api/v1/chargers/cp1/start', { method: 'POST', body: { idTag: 'FAMILY01' } });
    assert.equal(started.status, 200);
    assert.equal(started.body.status, 'Accepted');
    const charging = await waitForState(adapter, (state) => state.transactionId !== undefined);
    assert.equal((await s.api('/api/v1/chargers/cp1/start', { method: 'POST', body: {} })).body.error.code, 'transaction_running');
    const stopped = await s.api('/api/v1/chargers/cp1/stop', { method: 'POST', body: {} });
    assert.deepEqual(stopped.body, { status: 'Accepted', transactionId: charging.transactionId });
    await waitForState(adapter, (state) => state.transactionId === undefined);
    const nothing = await s.api('/api/v1/chargers/cp1/stop', { method: 'POST', body: {} });
    assert.equal(nothing.status, 409);
    assert.equal(nothing.body.error.code, 'no_transaction');
    await cp.unplug();
  });

  it('answers 404 for an unknown charger, 503 for one that is not connected, 400 for bad input', async () => {
    const unknown = await s.api('/api/v1/chargers/ghost/stop', { method: 'POST', body: {} });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'charger_not_found');
    const offline = await s.api('/api/v1/chargers/cp2/start', { method: 'POST', body: {} });
    assert.equal(offline.status, 503);
    assert.equal(offline.body.error.code, 'charger_offline');
    for (const [path, body] of [['reset', { type: 'medium' }], ['unlock', {}], ['availability', { operative: 'yes' }], ['start', { idTag: 'a b' }],
      ['trigger', { message: 'MakeCoffee' }], ['stop', { force: true }]] as const) {
      const answer = await s.api(`/api/v1/chargers/cp1/${path}`, { method: 'POST', body });
      assert.equal(answer.status, 400, `${path} ${JSON.stringify(body)}`);
      assert.equal(answer.body.error.code, 'invalid_body');
    }
  });

  it('passes reset, unlock, availability and TriggerMessage on and returns the charger\'s answer', async () => {
    assert.deepEqual((await s.api('/api/v1/chargers/cp1/reset', { method: 'POST', body: { type: 'soft' } })).body, { status: 'Accepted' });
    assert.deepEqual(cp.maintenance.resets, ['Soft']);
    assert.deepEqual((await s.api('/api/v1/chargers/cp1/unlock', { method: 'POST', body: { connectorId: 1 } })).body, { status: 'Unlocked' });
    const unavailable = waitForState(adapter, (state) => state.status === 'unavailable');
    assert.deepEqual((await s.api('/api/v1/chargers/cp1/availability', { method: 'POST', body: { operative: false } })).body, { status: 'Accepted' });
    await unavailable;
    const available = waitForState(adapter, (state) => state.status === 'available');
    await s.api('/api/v1/chargers/cp1/availability', { method: 'POST', body: { operative: true } });
    await available;
    const triggered = await s.api('/api/v1/chargers/cp1/trigger', { method: 'POST', body: { message: 'DiagnosticsStatusNotification' } });
    assert.deepEqual(triggered.body, { status: 'NotImplemented' }, 'the simulator cannot send that one, and says so');
  });

  it('reserves the connector (shown as reserved) and cancels the reservation', async () => {
    const expiresAt = new Date(s.clock.nowMs() + 3_600_000).toISOString();
    const reserved = waitForState(adapter, (state) => state.status === 'reserved');
    const made = await s.api('/api/v1/chargers/cp1/reservations', { method: 'POST', body: { idTag: 'FAMILY01', expiresAt } });
    assert.equal(made.status, 201);
    assert.equal(made.body.answer, 'Accepted');
    assert.equal(made.body.status, 'active');
    await reserved;
    const listed = await s.api('/api/v1/chargers/cp1/reservations');
    assert.deepEqual(listed.body.map((r: { reservationId: number; status: string }) => [r.reservationId, r.status]), [[made.body.reservationId, 'active']]);
    const available = waitForState(adapter, (state) => state.status === 'available');
    const cancelled = await s.api(`/api/v1/chargers/cp1/reservations/${made.body.reservationId}`, { method: 'DELETE' });
    assert.deepEqual(cancelled.body, { status: 'Accepted' });
    await available;
    assert.equal((await s.api('/api/v1/chargers/cp1/reservations/999', { method: 'DELETE' })).status, 404);
    assert.equal((await s.api('/api/v1/chargers/cp1/reservations', { method: 'POST', body: { idTag: 'X', expiresAt: 'soon' } })).status, 400);
  });

  it('uploads a firmware file, and the wallbox downloads exactly that file over HTTP from its per-job URL', async () => {
    const firmware = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 7) % 256));
    const sha256 = createHash('sha256').update(firmware).digest('hex');
    const uploaded = await s.api('/api/v1/firmware?name=wallbox%20v2.bin', { method: 'POST', raw: firmware, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(uploaded.status, 201);
    assert.equal(uploaded.body.sha256, sha256);
    assert.equal(uploaded.body.size, firmware.length);
    assert.equal(uploaded.body.name, 'wallbox_v2.bin');
    const request = waitForRequest(cp, 'UpdateFirmware');
    const started = await s.api('/api/v1/chargers/cp1/firmware', { method: 'POST', body: { file: uploaded.body.id } });
    assert.equal(started.status, 201);
    assert.equal(started.body.answer.status, 'Accepted');
    const { location } = (await request).payload as { location: string };
    assert.match(location, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/files/firmware/[A-Za-z0-9_-]{32}/wallbox_v2\\.bin$`));
    await cp.maintenance.settled();
    assert.deepEqual(cp.maintenance.downloads, [{ url: location, size: firmware.length, sha256 }]);
    const jobs = await s.api('/api/v1/chargers/cp1/jobs');
    assert.equal(jobs.body[0].kind, 'firmware');
    assert.equal(jobs.body[0].status, 'Installed');
    assert.equal(jobs.body[0].open, false);
    // The charger's first notification may overtake its answer to UpdateFirmware: both are in the history.
    const history: string[] = jobs.body[0].history.map((h: { status: string }) => h.status);
    assert.ok(history.includes('Accepted'));
    assert.deepEqual(history.filter((h) => h !== 'Accepted'), ['requested', 'Downloading', 'Downloaded', 'Installing', 'Installed']);
    // The job is over: its URL no longer serves the file, and a made-up token never did.
    assert.equal((await fetch(location)).status, 404);
    assert.equal((await fetch(`${s.httpUrl}/files/firmware/not-a-token/x.bin`)).status, 404);
  });

  it('refuses a firmware start with a bad body or unknown file, and an upload over the size limit', async () => {
    assert.equal((await s.api('/api/v1/chargers/cp1/firmware', { method: 'POST', body: {} })).status, 400);
    const missing = await s.api('/api/v1/chargers/cp1/firmware', { method: 'POST', body: { file: 'nope' } });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'firmware_not_found');
    const big = await s.api('/api/v1/firmware?name=big.bin', { method: 'POST', raw: Buffer.alloc(70 * 1024), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(big.status, 413);
    assert.equal((await s.api('/api/v1/firmware')).body.length, 1, 'the refused upload left no file behind');
  });

  it('asks for diagnostics; the wallbox uploads them to Sunplug and the file is listed and downloadable', async () => {
    const started = await s.api('/api/v1/chargers/cp1/diagnostics', { method: 'POST', body: {} });
    assert.equal(started.status, 201);
    assert.match(String(started.body.answer.fileName), /^diag-/);
    await cp.maintenance.settled();
    assert.equal(cp.maintenance.uploads[0]?.status, 201);
    const [job] = (await s.api('/api/v1/chargers/cp1/jobs')).body;
    assert.equal(job.kind, 'diagnostics');
    assert.equal(job.status, 'Uploaded');
    assert.match(job.upload.name, /^diag-\d+\.log$/);
    const file = await fetch(`${s.httpUrl}/api/v1/chargers/cp1/jobs/${job.id}/upload`);
    assert.match(await file.text(), /simulated diagnostics of the ocpp1\.6 simulator/);
    assert.equal((await fetch(`${s.httpUrl}/files/diagnostics/not-a-token`, { method: 'PUT', body: 'x' })).status, 404);
  });

  it('says 409 instead of calling a charger without the Reservation profile', async () => {
    const basic = new SimulatedChargePoint({ id: 'basic', url: s.url, clock: s.clock, voltageV: 230, configuration: { SupportedFeatureProfiles: 'Core,SmartCharging' } });
    const configured = waitForRequest(basic, 'ChangeConfiguration');
    let reserveCalls = 0;
    basic.onRequest(({ action }) => { if (action === 'ReserveNow') reserveCalls++; });
    await basic.start();
    await configured;
    const refused = await s.api('/api/v1/chargers/basic/reservations', { method: 'POST', body: { idTag: 'FAMILY01', expiresAt: s.clock.nowMs() + 60_000 } });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'reservation_unsupported');
    assert.match(refused.body.error.message, /Core, SmartCharging/);
    assert.equal(reserveCalls, 0);
    assert.equal(s.services.localLists.status('basic')?.outcome, 'unsupported');
    await basic.stop();
  });
});
