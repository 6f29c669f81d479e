import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OcppRpcServer, type OcppConnection } from '../../src/chargers/ocpp-rpc-types.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { SimulatedChargePoint } from '../../src/sim/ocpp-charge-point.ts';

/**
 * The simulated wallbox answers the central system's requests like a 1.6 charger: driven here by a bare central
 * system on ocpp-rpc (not our adapter), so every request can be sent as the test wants.
 */

interface Received {
  action: string;
  params: Record<string, unknown>;
}

describe('the simulated 1.6 wallbox answers central-system requests', () => {
  const clock = new FakeClock();
  const rpc = new OcppRpcServer({ protocols: ['ocpp1.6'], logger: silentLogger() });
  const received: Received[] = [];
  const waiting: Array<{ action: string; resolve: (r: Received) => void }> = [];
  let csms: OcppConnection;
  let cp: SimulatedChargePoint;

  /** The next call of `action` the wallbox makes (or one already received and not yet taken). */
  function nextCall(action: string): Promise<Received> {
    const index = received.findIndex((r) => r.action === action);
    if (index >= 0) return Promise.resolve(received.splice(index, 1)[0] as Received);
    return new Promise((resolve) => waiting.push({ action, resolve }));
  }

  async function call(action: string, params: object): Promise<Record<string, unknown>> {
    const result: unknown = await csms.call(action, params);
    assert.ok(typeof result === 'object' && result !== null);
    return { ...result };
  }

  before(async () => {
    rpc.auth(async () => ({ accept: true, protocol: 'ocpp1.6' }));
    const connected = new Promise<OcppConnection>((resolve) => rpc.onConnection((connection) => {
      const answers: Record<string, object> = {
        BootNotification: { status: 'Accepted', interval: 60, currentTime: new Date(clock.nowMs()).toISOString() },
        Authorize: { idTagInfo: { status: 'Accepted' } },
        StartTransaction: { transactionId: 42, idTagInfo: { status: 'Accepted' } },
        StopTransaction: {},
        StatusNotification: {},
        MeterValues: {},
        Heartbeat: { currentTime: new Date(clock.nowMs()).toISOString() },
      };
      for (const [action, answer] of Object.entries(answers)) {
        connection.handle(action, async ({ params }) => {
          const entry = { action, params: typeof params === 'object' && params !== null ? { ...params } : {} };
          const w = waiting.findIndex((x) => x.action === action);
          if (w >= 0) waiting.splice(w, 1)[0]?.resolve(entry);
          else received.push(entry);
          return answer;
        });
      }
      resolve(connection);
    }));
    const port = await rpc.listen(0, '127.0.0.1');
    cp = new SimulatedChargePoint({ id: 'sim', url: `ws://127.0.0.1:${port}/ocpp`, clock, voltageV: 230, autoStart: false });
    await cp.start();
    csms = await connected;
    assert.equal((await nextCall('StatusNotification')).params.status, 'Available');
    received.length = 0;
  });

  after(async () => {
    await cp.stop();
    await rpc.close();
  });

  it('reports and changes its configuration like a real charger', async () => {
    const some = await call('GetConfiguration', { key: ['NumberOfConnectors', 'NoSuchKey'] });
    assert.deepEqual(some, { configurationKey: [{ key: 'NumberOfConnectors', readonly: true, value: '1' }], unknownKey: ['NoSuchKey'] });
    const all = await call('GetConfiguration', {});
    assert.ok(Array.isArray(all.configurationKey) && all.configurationKey.length >= 9);
    assert.deepEqual(await call('ChangeConfiguration', { key: 'NumberOfConnectors', value: '2' }), { status: 'Rejected' });
    assert.deepEqual(await call('ChangeConfiguration', { key: 'NoSuchKey', value: '2' }), { status: 'NotSupported' });
    assert.deepEqual(await call('ChangeConfiguration', { key: 'MeterValuesSampledData', value: 'Power.Reactive.Import' }), { status: 'Rejected' });
    assert.deepEqual(await call('ChangeConfiguration', { key: 'MeterValuesSampledData', value: 'Energy.Active.Import.Register,Current.Offered,SoC' }), { status: 'Accepted' });
  });

  it('starts a remotely requested transaction when the car arrives, with the TxProfile it came with', async () => {
    const accepted = await call('RemoteStartTransaction', {
      idTag: 'APP-1',
      chargingProfile: {
        chargingProfileId: 5, stackLevel: 0, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative',
        chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 8 }] },
      },
    });
    assert.deepEqual(accepted, { status: 'Accepted' });
    await cp.plugIn({ socPct: 40 });
    assert.equal((await nextCall('Authorize')).params.idTag, 'APP-1');
    assert.equal((await nextCall('StartTransaction')).params.idTag, 'APP-1');
    assert.equal(cp.transactionId, 42);
    assert.equal(cp.offeredCurrentA, 8);
    assert.equal(cp.status, 'Charging');
  });

  it('sends triggered meter values and says NotImplemented for messages it cannot trigger', async () => {
    await clock.advance(2_000);
    assert.deepEqual(await call('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 }), { status: 'Accepted' });
    const meter = await nextCall('MeterValues');
    assert.equal(meter.params.transactionId, 42);
    const sampled = JSON.stringify(meter.params.meterValue);
    assert.match(sampled, /"context":"Trigger"/);
    assert.match(sampled, /"measurand":"Current.Offered","location":"Outlet","value":"8.0"/);
    assert.match(sampled, /"measurand":"SoC","location":"EV","value":"40"/);
    assert.deepEqual(await call('TriggerMessage', { requestedMessage: 'DiagnosticsStatusNotification' }), { status: 'NotImplemented' });
  });

  it('answers GetCompositeSchedule and ClearChargingProfile from its profile stack', async () => {
    assert.deepEqual(await call('SetChargingProfile', {
      connectorId: 0,
      csChargingProfiles: {
        chargingProfileId: 9, stackLevel: 0, chargingProfilePurpose: 'ChargePointMaxProfile', chargingProfileKind: 'Absolute',
        chargingSchedule: { startSchedule: new Date(clock.nowMs()).toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }, { startPeriod: 600, limit: 6 }] },
      },
    }), { status: 'Accepted' });
    const composite = await call('GetCompositeSchedule', { connectorId: 1, duration: 3600 });
    assert.equal(composite.status, 'Accepted');
    assert.deepEqual((composite.chargingSchedule as { chargingSchedulePeriod: unknown }).chargingSchedulePeriod, [
      { startPeriod: 0, limit: 8 },
      { startPeriod: 600, limit: 6 },
    ]);
    assert.deepEqual(await call('ClearChargingProfile', { id: 9 }), { status: 'Accepted' });
    assert.deepEqual(await call('ClearChargingProfile', { id: 9 }), { status: 'Unknown' });
  });

  it('stops on RemoteStopTransaction, stays Finishing until unplugged, then is Available', async () => {
    assert.deepEqual(await call('RemoteStopTransaction', { transactionId: 41 }), { status: 'Rejected' });
    assert.deepEqual(await call('RemoteStopTransaction', { transactionId: 42 }), { status: 'Accepted' });
    const stop = await nextCall('StopTransaction');
    assert.equal(stop.params.reason, 'Remote');
    assert.equal(stop.params.transactionId, 42);
    assert.equal(cp.status, 'Finishing');
    assert.equal(cp.drawnCurrentA, 0);
    await cp.unplug();
    assert.equal(cp.status, 'Available');
  });
});
