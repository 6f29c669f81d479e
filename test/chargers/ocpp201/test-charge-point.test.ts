import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeCallFailure, OcppRpcServer, type OcppConnection } from '../../../src/chargers/ocpp-rpc-types.ts';
import { FakeClock } from '../../../src/platform/clock.ts';
import { silentLogger } from '../../../src/platform/logger.ts';
import { TestChargePoint } from './test-charge-point.ts';

/**
 * The 2.0.1 test charge point answers the CSMS requests Sunplug does not send yet (remote start and stop, triggers).
 * Checked here against a bare ocpp-rpc server, so that later features can rely on it.
 */
describe('the 2.0.1 test charge point', () => {
  const clock = new FakeClock();
  let server: OcppRpcServer;
  let url: string;
  let connection: OcppConnection;
  let cp: TestChargePoint;
  const received: Array<{ method: string; params: unknown }> = [];

  before(async () => {
    server = new OcppRpcServer({ protocols: ['ocpp2.0.1'], logger: silentLogger() });
    server.auth(async () => ({ accept: true, protocol: 'ocpp2.0.1' }));
    const connected = new Promise<OcppConnection>((resolve) => server.onConnection(resolve));
    url = `ws://127.0.0.1:${await server.listen(0, '127.0.0.1')}/ocpp`;
    cp = await TestChargePoint.connect({ url, id: 'tcp', clock });
    connection = await connected;
    for (const method of ['TransactionEvent', 'StatusNotification', 'MeterValues', 'Heartbeat']) {
      connection.handle(method, async ({ params }) => {
        received.push({ method, params });
        return method === 'Heartbeat' ? { currentTime: new Date(clock.nowMs()).toISOString() } : {};
      });
    }
  });

  after(async () => {
    await cp.close();
    await server.close();
  });

  it('starts a transaction on RequestStartTransaction and stops it on RequestStopTransaction', async () => {
    const started = await connection.call('RequestStartTransaction', { idToken: { idToken: 'APP', type: 'Central' }, remoteStartId: 7, evseId: 1 });
    assert.deepEqual(started, { status: 'Accepted', transactionId: 'remote-1' });
    await cp.waitForCall('RequestStartTransaction');
    const startEvent = await waitFor(() => received.find((r) => r.method === 'TransactionEvent'));
    assert.deepEqual((startEvent.params as { transactionInfo: unknown }).transactionInfo, { transactionId: 'remote-1', chargingState: 'EVConnected', remoteStartId: 7 });
    assert.deepEqual(await connection.call('RequestStartTransaction', { idToken: { idToken: 'APP', type: 'Central' }, remoteStartId: 8 }), { status: 'Rejected' }, 'one at a time');

    assert.deepEqual(await connection.call('RequestStopTransaction', { transactionId: 'other' }), { status: 'Rejected' });
    assert.deepEqual(await connection.call('RequestStopTransaction', { transactionId: 'remote-1' }), { status: 'Accepted' });
    const ended = await waitFor(() => received.find((r) => r.method === 'TransactionEvent' && (r.params as { eventType: string }).eventType === 'Ended'));
    assert.equal((ended.params as { triggerReason: string }).triggerReason, 'RemoteStop');
    assert.equal(cp.transactionId, undefined);
  });

  it('sends what TriggerMessage asks for, and refuses what it cannot send', async () => {
    assert.deepEqual(await connection.call('TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } }), { status: 'Accepted' });
    await waitFor(() => received.find((r) => r.method === 'StatusNotification'));
    assert.deepEqual(await connection.call('TriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
    await waitFor(() => received.find((r) => r.method === 'Heartbeat'));
    assert.deepEqual(await connection.call('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' }), { status: 'NotImplemented' });
    await assert.rejects(connection.call('Reset', { type: 'Immediate' }), (error: unknown) => describeCallFailure(error).detail.startsWith('NotImplemented'));
    assert.deepEqual(cp.violations, []);
  });
});

async function waitFor<T>(find: () => T | undefined): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('not received');
}
