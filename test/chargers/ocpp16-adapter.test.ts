import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChargerAdapter } from '../../src/chargers/charger-adapter.ts';
import type { ChargeLimit } from '../../src/domain/charge-limit.ts';
import { nextConnection, RawCharger, startTestServer, waitForState, type TestServer } from './ocpp-test-kit.ts';

/** The 1.6 adapter's edge cases, driven frame by frame from a bare WebSocket charger. */

const limit = (currentA: number): ChargeLimit => ({ chargerId: 'cp1', currentA, phases: 3, reason: 'fuse-limit', safety: true });

describe('the OCPP 1.6 adapter', () => {
  let t: TestServer;
  const iso = (offsetMs = 0): string => new Date(t.clock.nowMs() + offsetMs).toISOString();

  /** Connects, reports Available, boots and answers the setup calls; returns the adapter. */
  async function bootedCharger(): Promise<{ raw: RawCharger; adapter: ChargerAdapter }> {
    const connected = nextConnection(t.server);
    const raw = new RawCharger(t.url, 'cp1');
    await raw.open();
    const adapter = await connected;
    assert.deepEqual(await raw.call('s0', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: iso() }), [3, 's0', {}]);
    const boot = await raw.call('b0', 'BootNotification', { chargePointVendor: 'Raw', chargePointModel: 'One' });
    assert.equal((boot as [number, string, { status: string }])[2].status, 'Accepted');
    const getConfiguration = await raw.expectCall('GetConfiguration');
    raw.reply(getConfiguration.messageId, { configurationKey: [{ key: 'ChargeProfileMaxStackLevel', readonly: true, value: '4' }] });
    for (const key of ['MeterValuesSampledData', 'MeterValueSampleInterval']) {
      const change = await raw.expectCall('ChangeConfiguration');
      assert.equal(change.payload.key, key);
      raw.reply(change.messageId, { status: key === 'MeterValuesSampledData' ? 'Rejected' : 'Accepted' });
    }
    return { raw, adapter };
  }

  before(async () => {
    t = await startTestServer({ callTimeoutMs: 100 });
  });

  after(async () => {
    await t.server.close();
  });

  it('reports a refused profile as rejected, whether the charger answers Rejected or a CALLERROR', async () => {
    const { raw, adapter } = await bootedCharger();
    const first = adapter.applyLimit(limit(16));
    const set = await raw.expectCall('SetChargingProfile');
    assert.equal((set.payload.csChargingProfiles as { stackLevel: number }).stackLevel, 1);
    raw.reply(set.messageId, { status: 'Rejected' });
    assert.deepEqual(await first, { outcome: 'rejected', detail: 'Rejected' });

    const second = adapter.applyLimit(limit(16));
    raw.replyError((await raw.expectCall('SetChargingProfile')).messageId, 'NotSupported');
    const result = await second;
    assert.equal(result.outcome, 'rejected');
    assert.match(result.detail ?? '', /NotSupported/);
    raw.ws.close();
    await waitForState(adapter, (s) => !s.connected);
  });

  it('reports a charger that does not answer as failed, and one that drops the line as offline', async () => {
    const { raw, adapter } = await bootedCharger();
    const unanswered = adapter.applyLimit(limit(10));
    await raw.expectCall('SetChargingProfile');
    const result = await unanswered;
    assert.equal(result.outcome, 'failed');
    assert.match(result.detail ?? '', /timed out/);

    const dropped = adapter.applyLimit(limit(11));
    await raw.expectCall('SetChargingProfile');
    raw.ws.terminate();
    assert.equal((await dropped).outcome, 'offline');
  });

  it('writes the limit again after a reconnect, since a rebooted charger may have lost it', async () => {
    const { raw, adapter } = await bootedCharger();
    const applied = adapter.applyLimit(limit(12));
    raw.reply((await raw.expectCall('SetChargingProfile')).messageId, { status: 'Accepted' });
    assert.equal((await applied).outcome, 'applied');
    assert.deepEqual(await adapter.applyLimit(limit(12)), { outcome: 'unchanged' });
    raw.ws.close();
    await waitForState(adapter, (s) => !s.connected);

    const again = await bootedCharger();
    assert.equal(again.adapter, adapter);
    const rewritten = adapter.applyLimit(limit(12));
    again.raw.reply((await again.raw.expectCall('SetChargingProfile')).messageId, { status: 'Accepted' });
    assert.equal((await rewritten).outcome, 'applied');
    again.raw.ws.close();
    await waitForState(adapter, (s) => !s.connected);
  });

  it('configures a charger that reconnects without booting, and asks for its status', async () => {
    const connected = nextConnection(t.server);
    const raw = new RawCharger(t.url, 'cp1');
    await raw.open();
    const adapter = await connected;
    assert.equal(adapter.snapshot().status, 'unavailable');
    await t.clock.advance(5_000);
    raw.reply((await raw.expectCall('GetConfiguration')).messageId, { configurationKey: [] });
    raw.reply((await raw.expectCall('ChangeConfiguration')).messageId, { status: 'Accepted' });
    raw.reply((await raw.expectCall('ChangeConfiguration')).messageId, { status: 'Accepted' });
    const trigger = await raw.expectCall('TriggerMessage');
    assert.deepEqual(trigger.payload, { requestedMessage: 'StatusNotification', connectorId: 1 });
    raw.reply(trigger.messageId, { status: 'Accepted' });
    const charging = waitForState(adapter, (s) => s.status === 'charging');
    await raw.call('s1', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: iso() });
    assert.equal((await charging).vehicleConnected, true);

    // A status older than the one applied arrives late: ignored.
    await raw.call('s2', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing', timestamp: iso(-60_000) });
    assert.equal(adapter.snapshot().status, 'charging');

    // Meter values of a transaction that started before this connection: adopted; older samples ignored.
    await raw.call('m1', 'MeterValues', { connectorId: 1, transactionId: 777, meterValue: [
      { timestamp: iso(), sampledValue: [{ value: '5000' }, { value: '7000', measurand: 'Power.Active.Import' }] },
    ] });
    await raw.call('m2', 'MeterValues', { connectorId: 1, transactionId: 777, meterValue: [
      { timestamp: iso(-10_000), sampledValue: [{ value: '4000' }, { value: '1', measurand: 'Power.Active.Import' }] },
      { timestamp: iso(10_000), sampledValue: [{ value: '5100' }] },
    ] });
    const state = adapter.snapshot();
    assert.equal(state.transactionId, '777');
    assert.equal(state.powerW, 7000);
    assert.equal(state.sessionEnergyWh, 100);
    assert.equal(state.measuredAtMs, t.clock.nowMs() + 10_000);
    raw.ws.close();
    await waitForState(adapter, (s) => !s.connected);
  });
});
