import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OcppMessageLog, redactSecrets } from '../../src/chargers/message-log.ts';
import { SimulatedChargePoint } from '../../src/sim/ocpp-charge-point.ts';
import { eventually } from '../support/eventually.ts';
import { nextConnection, startTestServer, waitForRequest, type TestServer } from './ocpp-test-kit.ts';

/** The per-charger OCPP message log that installers read through the API. */

const frame = (value: unknown): string => JSON.stringify(value);

describe('the OCPP message log', () => {
  it('keeps the last frames of each charger, newest first, and drops the charger silent for longest', () => {
    const log = new OcppMessageLog({ capacity: 5, maxChargers: 2 });
    for (let i = 0; i < 12; i++) log.record('a', 'in', frame([2, `m${i}`, 'Heartbeat', {}]), 1000 + i);
    const entries = log.entries('a');
    assert.equal(entries.length, 5);
    assert.deepEqual(entries.map((e) => e.messageId), ['m11', 'm10', 'm9', 'm8', 'm7']);
    assert.deepEqual(log.entries('a', 2).map((e) => e.atMs), [1011, 1010]);
    log.record('b', 'in', frame([2, 'x', 'Heartbeat', {}]), 2000);
    log.record('a', 'in', frame([2, 'y', 'Heartbeat', {}]), 2001); // a is the most recent again
    log.record('c', 'in', frame([2, 'z', 'Heartbeat', {}]), 2002);
    assert.deepEqual(log.chargerIds(), ['a', 'c']);
    assert.deepEqual(log.entries('b'), []);
  });

  it('names the action of results and errors after the CALL they answer, in both directions', () => {
    const log = new OcppMessageLog();
    const setProfile = frame([2, 'q1', 'SetChargingProfile', { connectorId: 1 }]);
    log.record('cp', 'out', setProfile, 1);
    log.record('cp', 'in', frame([2, 'c1', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }]), 2);
    log.record('cp', 'out', frame([3, 'c1', { status: 'Accepted', interval: 60, currentTime: 'now' }]), 3);
    log.record('cp', 'in', frame([4, 'q1', 'NotSupported', 'no smart charging', {}]), 4);
    log.record('cp', 'in', '{not json', 5);
    const [malformed, error, result, call, sent] = log.entries('cp');
    assert.deepEqual(sent, { atMs: 1, direction: 'out', kind: 'CALL', messageId: 'q1', action: 'SetChargingProfile', payload: { connectorId: 1 }, bytes: setProfile.length });
    assert.equal(call?.action, 'BootNotification');
    assert.deepEqual([result?.kind, result?.direction, result?.action], ['CALLRESULT', 'out', 'BootNotification']);
    assert.deepEqual([error?.kind, error?.action, error?.errorCode, error?.errorDescription], ['CALLERROR', 'SetChargingProfile', 'NotSupported', 'no smart charging']);
    assert.equal(malformed?.kind, 'malformed');
  });

  it('keeps an oversized payload as a short preview', () => {
    const log = new OcppMessageLog({ maxPayloadBytes: 256 });
    const keys = Array.from({ length: 100 }, (_, i) => ({ key: `Key${i}`, readonly: false, value: 'x'.repeat(20) }));
    log.record('cp', 'in', frame([3, 'g', { configurationKey: keys }]), 1);
    const payload = log.entries('cp')[0]?.payload as { truncated: boolean; preview: string };
    assert.equal(payload.truncated, true);
    assert.ok(payload.preview.length <= 1024);
  });

  it('never keeps a password, token or secret key, however the payload names it', () => {
    const redacted = JSON.stringify(redactSecrets({
      key: 'AuthorizationKey', value: 'hex-secret-1',
      setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'secret-2' }],
      nested: { deeper: [{ password: 'secret-3', Token: 'secret-4', idToken: { idToken: 'secret-5', type: 'ISO14443' } }] },
      configurationKey: [{ key: 'AuthorizationKey', readonly: false, value: 'secret-6' }, { key: 'HeartbeatInterval', readonly: false, value: '60' }],
    }));
    for (const secret of ['hex-secret-1', 'secret-2', 'secret-3', 'secret-4', 'secret-5', 'secret-6']) assert.ok(!redacted.includes(secret), secret);
    assert.match(redacted, /"HeartbeatInterval","readonly":false,"value":"60"/, 'ordinary settings stay readable');
    assert.match(redacted, /"key":"AuthorizationKey"/, 'the name of the setting stays');
    const log = new OcppMessageLog();
    log.record('cp', 'in', '{"password": "secret-7", broken', 1);
    assert.ok(!JSON.stringify(log.entries('cp')).includes('secret-7'), 'not even in a malformed frame');
  });
});

describe('the OCPP server records every frame of a charger', () => {
  let t: TestServer;
  let cp: SimulatedChargePoint;
  const password = 'log-test-password-4242';

  before(async () => {
    t = await startTestServer({
      messageLog: new OcppMessageLog({ capacity: 40 }),
      admit: ({ password: sent }) => (sent?.toString('utf8') === password ? 'accept' : 'unauthorized'),
      ocpp16: { safeCurrentA: 6 },
    });
    cp = new SimulatedChargePoint({ id: 'cp1', url: t.url, clock: t.clock, voltageV: 230, password, vehicle: { maxCurrentA: 16 } });
    const connected = nextConnection(t.server);
    const configured = waitForRequest(cp, 'ChangeConfiguration', (p) => JSON.stringify(p).includes('MeterValueSampleInterval'));
    await cp.start();
    await connected;
    await configured;
  });

  after(async () => {
    await cp.stop();
    await t.server.close();
  });

  it('in both directions, bounded, and without the Basic-auth password', async () => {
    await eventually(() => t.server.ocppLog('cp1').some((e) => e.kind === 'CALLRESULT' && e.action === 'SetChargingProfile'), 'the safe default written');
    const first = t.server.ocppLog('cp1').reverse();
    assert.deepEqual(first.slice(0, 2).map((e) => [e.direction, e.kind, e.action]), [['in', 'CALL', 'BootNotification'], ['out', 'CALLRESULT', 'BootNotification']]);
    assert.ok(first.some((e) => e.direction === 'out' && e.kind === 'CALL' && e.action === 'SetChargingProfile'), 'our profile writes');
    assert.ok(first.some((e) => e.direction === 'in' && e.kind === 'CALLRESULT' && e.action === 'SetChargingProfile'), 'and the answers');
    await cp.plugIn();
    await t.clock.advance(10 * 60_000); // heartbeats, meter values, status changes
    const entries = t.server.ocppLog('cp1');
    assert.equal(entries.length, 40, 'bounded');
    assert.ok(entries[0]!.atMs >= entries[39]!.atMs, 'newest first');
    assert.ok(entries.some((e) => e.action === 'MeterValues'));
    assert.ok(!JSON.stringify(t.server.ocppLog('cp1')).includes(password));
    assert.deepEqual(t.server.ocppLog('nobody'), []);
  });
});
