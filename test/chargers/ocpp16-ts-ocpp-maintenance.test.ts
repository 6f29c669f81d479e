import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import tsOcpp from '@voltbras/ts-ocpp';
import { startServicesStack, type ServicesStack } from './charger-services-kit.ts';
import { nextConnection, RawCharger } from './ocpp-test-kit.ts';

/**
 * A 1.6J charge point we did not write (@voltbras/ts-ocpp validates every request it receives against its own copy of
 * the 1.6 schemas and answers invalid ones with a CALLERROR) receives Sunplug's local list, remote start and stop,
 * UpdateFirmware and GetDiagnostics; the test then does what its firmware would: fetch the firmware URL and post the
 * diagnostics as multipart/form-data.
 */

type Handler = ConstructorParameters<typeof tsOcpp.ChargePoint>[1];

interface Received {
  action: string;
  payload: Record<string, unknown>;
}

describe('an independent 1.6J charge point (@voltbras/ts-ocpp): cards, remote control, firmware and diagnostics', () => {
  let s: ServicesStack;
  let cp: InstanceType<typeof tsOcpp.ChargePoint>;
  const received: Received[] = [];
  const waiting: Array<{ action: string; resolve: (r: Received) => void }> = [];
  const next = (action: string, after = 0): Promise<Received> => {
    const seen = received.slice(after).find((r) => r.action === action);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiting.push({ action, resolve }));
  };
  let listVersion = 0;
  /** Sends any 1.6 request; ts-ocpp types each action's answer separately, the test reads them as plain JSON. */
  const send = async (action: string, payload: object): Promise<Record<string, unknown>> => {
    const answer: unknown = (await cp.sendRequest({ action, ocppVersion: 'v1.6-json', payload } as Parameters<typeof cp.sendRequest>[0]).run()).unsafeCoerce();
    return typeof answer === 'object' && answer !== null ? { ...answer } : {};
  };

  before(async () => {
    s = await startServicesStack({ known: ['ts-maint'] });
    s.services.cards.add({ idTag: 'FAMILY01', name: '', owner: '', status: 'accepted', expiresAtMs: null }, s.clock.nowMs());
    const handler: Handler = (request) => {
      const { action, ocppVersion, ...payload } = request;
      const entry = { action, payload: payload as Record<string, unknown> };
      received.push(entry);
      for (const w of waiting.filter((x) => x.action === action)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(entry);
      }
      switch (request.action) {
        case 'GetConfiguration':
          return { action: request.action, ocppVersion, configurationKey: [
            { key: 'SupportedFeatureProfiles', readonly: true, value: 'Core,SmartCharging,RemoteTrigger,LocalAuthListManagement,FirmwareManagement' },
          ] };
        case 'ChangeConfiguration':
        case 'SetChargingProfile':
          return { action: request.action, ocppVersion, status: 'Accepted' };
        case 'GetLocalListVersion':
          return { action: request.action, ocppVersion, listVersion };
        case 'SendLocalList':
          listVersion = request.listVersion;
          return { action: request.action, ocppVersion, status: 'Accepted' };
        case 'RemoteStartTransaction':
        case 'RemoteStopTransaction':
          return { action: request.action, ocppVersion, status: 'Accepted' };
        case 'UpdateFirmware':
          return { action: request.action, ocppVersion };
        case 'GetDiagnostics':
          return { action: request.action, ocppVersion, fileName: 'ts-ocpp-diag.txt' };
        case 'TriggerMessage':
          return { action: request.action, ocppVersion, status: 'Rejected' };
        default:
          throw new Error(`not handled: ${request.action}`);
      }
    };
    cp = new tsOcpp.ChargePoint('ts-maint', handler, s.url);
    const connected = nextConnection(s.server);
    await cp.connect();
    await connected;
    assert.equal((await send('BootNotification', { chargePointVendor: 'Voltbras', chargePointModel: 'ts-ocpp' })).status, 'Accepted');
  });

  after(async () => {
    cp.close();
    await s.close();
  });

  it('takes the full local list after boot, then a differential one when a card is blocked', async () => {
    const full = await next('SendLocalList');
    assert.deepEqual(full.payload, { listVersion: 1, updateType: 'Full', localAuthorizationList: [{ idTag: 'FAMILY01', idTagInfo: { status: 'Accepted' } }] });
    const before = received.length;
    await s.api('/api/v1/cards/FAMILY01', { method: 'PUT', body: { status: 'blocked' } });
    const diff = await next('SendLocalList', before);
    assert.deepEqual(diff.payload, { listVersion: 2, updateType: 'Differential', localAuthorizationList: [{ idTag: 'FAMILY01', idTagInfo: { status: 'Blocked' } }] });
    const auth = await send('Authorize', { idTag: 'FAMILY01' });
    assert.deepEqual(auth.idTagInfo, { status: 'Blocked' });
    await s.api('/api/v1/cards/FAMILY01', { method: 'PUT', body: { status: 'accepted' } });
  });

  it('is started and stopped remotely; its StartTransaction with our idTag is accepted', async () => {
    const started = await s.api('/api/v1/chargers/ts-maint/start', { method: 'POST', body: { connectorId: 1 } });
    assert.equal(started.body.status, 'Accepted');
    const remote = await next('RemoteStartTransaction');
    assert.deepEqual(remote.payload, { idTag: 'SUNPLUG', connectorId: 1 });
    // The charger asks about the idTag it was given, as AuthorizeRemoteTxRequests makes it; Sunplug issued it.
    const start = await send('StartTransaction', { connectorId: 1, idTag: 'SUNPLUG', meterStart: 0, timestamp: new Date(s.clock.nowMs()).toISOString() });
    assert.deepEqual(start.idTagInfo, { status: 'Accepted' });
    const stopped = await s.api('/api/v1/chargers/ts-maint/stop', { method: 'POST', body: {} });
    assert.equal(stopped.body.status, 'Accepted');
    assert.deepEqual((await next('RemoteStopTransaction')).payload, { transactionId: start.transactionId });
    await send('StopTransaction', { transactionId: start.transactionId, meterStop: 10, timestamp: new Date(s.clock.nowMs()).toISOString(), reason: 'Remote' });
  });

  it('gets a firmware URL it can fetch without logging in; the bytes match the upload', async () => {
    const image = Buffer.from('ts-ocpp firmware\n'.repeat(1000));
    const upload = await s.api('/api/v1/firmware?name=ts.bin', { method: 'POST', raw: image, headers: { 'content-type': 'application/octet-stream' } });
    const job = await s.api('/api/v1/chargers/ts-maint/firmware', { method: 'POST', body: { file: upload.body.id, retrieveAt: s.clock.nowMs() + 60_000 } });
    assert.equal(job.status, 201);
    const request = await next('UpdateFirmware');
    assert.equal(request.payload.retrieveDate, new Date(s.clock.nowMs() + 60_000).toISOString());
    const location = String(request.payload.location);
    const head = await fetch(location, { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), String(image.length));
    await send('FirmwareStatusNotification', { status: 'Downloading' });
    const fetched = Buffer.from(await (await fetch(location)).arrayBuffer());
    assert.equal(createHash('sha256').update(fetched).digest('hex'), upload.body.sha256);
    await send('FirmwareStatusNotification', { status: 'DownloadFailed' });
    assert.equal((await fetch(location)).status, 404, 'a finished job closes its URL');
    const [latest] = (await s.api('/api/v1/chargers/ts-maint/jobs')).body;
    assert.equal(latest.status, 'DownloadFailed');
  });

  it('uploads diagnostics as multipart/form-data to the location it was given', async () => {
    await s.api('/api/v1/chargers/ts-maint/diagnostics', { method: 'POST', body: { from: '2026-06-01T00:00:00Z' } });
    const request = await next('GetDiagnostics');
    assert.equal(request.payload.startTime, '2026-06-01T00:00:00.000Z');
    await send('DiagnosticsStatusNotification', { status: 'Uploading' });
    const form = new FormData();
    form.append('file', new Blob(['line 1\nline 2\n']), 'ts-ocpp-diag.txt');
    const posted = await fetch(String(request.payload.location), { method: 'POST', body: form });
    assert.equal(posted.status, 201);
    await send('DiagnosticsStatusNotification', { status: 'Uploaded' });
    const [job] = (await s.api('/api/v1/chargers/ts-maint/jobs')).body;
    assert.equal(job.status, 'Uploaded');
    assert.deepEqual(job.upload, { name: 'ts-ocpp-diag.txt', size: 14, sha256: createHash('sha256').update('line 1\nline 2\n').digest('hex') });
    assert.equal(await (await fetch(`${s.httpUrl}/api/v1/chargers/ts-maint/jobs/${job.id}/upload`)).text(), 'line 1\nline 2\n');
    assert.equal((await fetch(String(request.payload.location), { method: 'PUT', body: 'late' })).status, 404, 'closed after Uploaded');
  });
});

describe('messages Sunplug does not implement', () => {
  let s: ServicesStack;

  before(async () => {
    s = await startServicesStack({ known: ['raw16', 'raw201'] });
  });

  after(async () => {
    await s.close();
  });

  for (const [id, protocol, actions] of [
    ['raw16', 'ocpp1.6', ['MakeCoffee', 'SignCertificateX', 'GetCompositeSchedule']],
    ['raw201', 'ocpp2.0.1', ['MakeCoffee', 'Get15118EVCertificate', 'PublishFirmwareStatusNotification']],
  ] as const) {
    it(`answers ${protocol} calls it does not implement with a NotImplemented CALLERROR and keeps serving`, async () => {
      const raw = new RawCharger(s.url, id, [protocol]);
      await raw.open();
      let n = 0;
      for (const action of actions) {
        const reply = await raw.call(`m${++n}`, action, {}) as unknown[];
        assert.deepEqual(reply.slice(0, 3), [4, `m${n}`, 'NotImplemented'], action);
      }
      const heartbeat = await raw.call('hb', 'Heartbeat', {}) as unknown[];
      assert.equal(heartbeat[0], 3, 'still answering');
      raw.ws.close();
    });
  }
});
