import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { ChargerAdapter } from '../../src/chargers/charger-adapter.ts';
import type { ChargeLimit } from '../../src/domain/charge-limit.ts';
import { SimulatedChargePoint } from '../../src/sim/ocpp-charge-point.ts';
import { countRequests, nextConnection, RawCharger, startTestServer, waitForRequest, waitForState, type TestServer } from './ocpp-test-kit.ts';

function limit(currentA: number, phases: 1 | 3 = 3): ChargeLimit {
  return { chargerId: 'cp1', currentA, phases, reason: 'solar-surplus', safety: false };
}

describe('our simulated 1.6 wallbox against our OCPP server', () => {
  let t: TestServer;
  let cp: SimulatedChargePoint;
  let adapter: ChargerAdapter;
  let requests: Map<string, number>;

  before(async () => {
    t = await startTestServer();
    cp = new SimulatedChargePoint({ id: 'cp1', url: t.url, clock: t.clock, voltageV: 230, vehicle: { maxCurrentA: 16 }, reconnectDelayMs: 20 });
    requests = countRequests(cp);
    const connected = nextConnection(t.server);
    const configured = waitForRequest(cp, 'ChangeConfiguration', (p) => JSON.stringify(p).includes('MeterValueSampleInterval'));
    await cp.start();
    adapter = await connected;
    await configured;
  });

  after(async () => {
    await cp.stop();
    await t.server.close();
  });

  it('boots, is configured to sample every 10 s and reports its connector as available', async () => {
    assert.equal(cp.configuration.get('MeterValueSampleInterval'), '10');
    assert.equal(cp.configuration.get('MeterValuesSampledData'), 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Current.Offered,Voltage');
    assert.equal(requests.get('GetConfiguration'), 1);
    const state = await waitForState(adapter, (s) => s.status === 'available');
    assert.equal(state.connected, true);
    assert.equal(state.vehicleConnected, false);
    assert.equal(t.server.adapterFor('cp1'), adapter);
  });

  it('starts a transaction when a car is plugged in and the car charges at the hardware maximum', async () => {
    const charging = waitForState(adapter, (s) => s.status === 'charging' && s.transactionId !== undefined);
    await cp.plugIn();
    const state = await charging;
    assert.equal(state.vehicleConnected, true);
    assert.equal(state.transactionId, String(cp.transactionId));
    await t.clock.advance(5_000);
    assert.equal(cp.offeredCurrentA, 16);
    assert.equal(cp.drawnCurrentA, 16);
  });

  it('passes meter values to snapshot()', async () => {
    const measured = waitForState(adapter, (s) => s.powerW > 0);
    await t.clock.advance(10_000);
    const state = await measured;
    assert.equal(state.powerW, 16 * 3 * 230);
    assert.deepEqual(state.phaseCurrentsA, [16, 16, 16]);
    assert.equal(state.offeredCurrentA, 16);
    assert.ok((state.sessionEnergyWh ?? 0) > 0, 'session energy grows');
    const ageMs = t.clock.nowMs() - (state.measuredAtMs ?? 0);
    assert.ok(ageMs >= 0 && ageMs < 10_000, 'measuredAtMs is the sample time from the charger');
  });

  it('applies 10 A: the wallbox offers 10 A and the car follows within seconds', async () => {
    const result = await adapter.applyLimit(limit(10));
    assert.deepEqual(result, { outcome: 'applied', detail: '10 A' });
    assert.equal(cp.offeredCurrentA, 10);
    await t.clock.advance(3_000);
    assert.equal(cp.drawnCurrentA, 10);
    const reported = waitForState(adapter, (s) => s.offeredCurrentA === 10 && s.phaseCurrentsA?.[0] === 10);
    await t.clock.advance(10_000);
    assert.equal((await reported).powerW, 10 * 3 * 230);
  });

  it('does not re-send a limit the wallbox already holds', async () => {
    const before = requests.get('SetChargingProfile');
    assert.deepEqual(await adapter.applyLimit(limit(10.04)), { outcome: 'unchanged' });
    assert.equal(requests.get('SetChargingProfile'), before);
  });

  it('pauses the car at 0 A (SuspendedEVSE) and resumes above 6 A', async () => {
    const suspended = waitForState(adapter, (s) => s.status === 'suspended-evse');
    assert.equal((await adapter.applyLimit(limit(0))).outcome, 'applied');
    await suspended;
    await t.clock.advance(3_000);
    assert.equal(cp.drawnCurrentA, 0);
    const charging = waitForState(adapter, (s) => s.status === 'charging');
    assert.equal((await adapter.applyLimit(limit(6.59))).detail, '6.5 A');
    await charging;
    await t.clock.advance(3_000);
    assert.equal(cp.drawnCurrentA, 6.5);
  });

  it('charges on one phase when the limit says so', async () => {
    assert.equal((await adapter.applyLimit(limit(8, 1))).outcome, 'applied');
    await t.clock.advance(3_000);
    assert.deepEqual(cp.phaseCurrentsA, [8, 0, 0]);
    assert.equal(cp.powerW, 8 * 230);
  });

  it('ends the transaction on unplug and keeps the session energy', async () => {
    const energyBefore = cp.energyWh;
    const available = waitForState(adapter, (s) => s.status === 'available');
    await cp.unplug();
    const state = await available;
    assert.equal(state.transactionId, undefined);
    assert.equal(state.vehicleConnected, false);
    assert.equal(state.powerW, 0);
    assert.ok((state.sessionEnergyWh ?? 0) > 0);
    assert.ok(Math.abs((state.sessionEnergyWh ?? 0) - Math.round(energyBefore)) <= 1);
  });

  it('reconnects by itself when the server drops its socket, and reports its status again', async () => {
    // Another socket claiming to be cp1 replaces the simulator's; the simulator reconnects and takes over again.
    const impostor = new RawCharger(t.url, 'cp1');
    await impostor.open();
    assert.equal(adapter.snapshot().status, 'unavailable', 'a fresh connection starts with an unknown status');
    await once(impostor.ws, 'close');
    const state = await waitForState(adapter, (s) => s.status === 'available');
    assert.equal(state.connected, true);
  });

  it('reports offline when the wallbox goes away, and refuses limits honestly', async () => {
    const offline = waitForState(adapter, (s) => !s.connected);
    await cp.stop();
    assert.equal((await offline).status, 'offline');
    assert.deepEqual(await adapter.applyLimit(limit(12)), { outcome: 'offline', detail: 'not connected' });
    assert.equal(t.clock.pendingTimers(), 0, 'the simulator and adapter leave no clock timers behind');
  });
});
