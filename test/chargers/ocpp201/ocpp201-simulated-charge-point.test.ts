import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { Ocpp201Adapter } from '../../../src/chargers/ocpp201/ocpp201-adapter.ts';
import type { ChargeLimit } from '../../../src/domain/charge-limit.ts';
import { SimulatedChargingStation201, type HandledRequest201 } from '../../../src/sim/ocpp201-charge-point.ts';
import { eventually } from '../../support/eventually.ts';
import { nextConnection, RawCharger, startTestServer, waitForState, type TestServer } from '../ocpp-test-kit.ts';

/** The simulated 2.0.1 wallbox (for the demo) against Sunplug's server and 2.0.1 adapter, in simulated time. */

function limit(chargerId: string, currentA: number, phases: 1 | 3 = 3): ChargeLimit {
  return { chargerId, currentA, phases, reason: 'solar-surplus', safety: false };
}

function waitForRequest(cp: SimulatedChargingStation201, action: string, predicate: (payload: unknown) => boolean = () => true): Promise<HandledRequest201> {
  return new Promise((resolve) => {
    const off = cp.onRequest((request) => {
      if (request.action !== action || !predicate(request.payload)) return;
      off();
      resolve(request);
    });
  });
}

async function startStation(t: TestServer, cp: SimulatedChargingStation201): Promise<Ocpp201Adapter> {
  const connected = nextConnection(t.server);
  const configured = waitForRequest(cp, 'SetVariables', (p) => JSON.stringify(p).includes('TxUpdatedInterval'));
  await cp.start();
  const adapter = await connected;
  assert.ok(adapter instanceof Ocpp201Adapter);
  await configured;
  return adapter;
}

describe('our simulated 2.0.1 wallbox against our OCPP server', () => {
  let t: TestServer;
  let cp: SimulatedChargingStation201;
  let adapter: Ocpp201Adapter;

  before(async () => {
    t = await startTestServer({ known: ['sim201'] });
    cp = new SimulatedChargingStation201({
      id: 'sim201', url: t.url, clock: t.clock, voltageV: 230, vehicle: { maxCurrentA: 16 }, reconnectDelayMs: 150,
      chargingNeeds: { energyAmountWh: 15_000, departureInMs: 4 * 3_600_000 },
    });
    adapter = await startStation(t, cp);
  });

  after(async () => {
    await cp.stop();
    await t.server.close();
  });

  it('boots, is asked for measurands every 10 s and reports its connector as available', async () => {
    assert.equal(cp.variables.get('SampledDataCtrlr.TxUpdatedInterval'), '10');
    assert.equal(cp.variables.get('SampledDataCtrlr.TxUpdatedMeasurands'), 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Current.Offered,Voltage');
    const state = await waitForState(adapter, (s) => s.status === 'available');
    assert.equal(state.connected, true);
    assert.equal(adapter.capabilities.maxStackLevel, 8);
    assert.equal(adapter.bootInfo.model, 'Simulated 2.0.1');
  });

  it('starts a transaction when a car is plugged in, tells its charging needs, and charges at the hardware maximum', async () => {
    const charging = waitForState(adapter, (s) => s.status === 'charging' && s.transactionId !== undefined);
    await cp.plugIn();
    assert.equal((await charging).transactionId, cp.transactionId);
    assert.equal(adapter.chargingNeeds?.energyAmountWh, 15_000);
    assert.equal(adapter.chargingNeeds?.departureAtMs, t.clock.nowMs() + 4 * 3_600_000);
    const measured = waitForState(adapter, (s) => s.powerW === 16 * 3 * 230);
    await t.clock.advance(10_000);
    const state = await measured;
    assert.deepEqual(state.phaseCurrentsA, [16, 16, 16]);
    assert.equal(state.offeredCurrentA, 16);
    assert.ok((state.sessionEnergyWh ?? 0) > 0, 'session energy grows');
  });

  it('applies 10 A: the wallbox offers 10 A, the car follows and the adapter sees it', async () => {
    assert.deepEqual(await adapter.applyLimit(limit('sim201', 10)), { outcome: 'applied', detail: '10 A' });
    assert.equal(cp.offeredCurrentA, 10);
    const reported = waitForState(adapter, (s) => s.offeredCurrentA === 10 && s.phaseCurrentsA?.[0] === 10);
    await t.clock.advance(10_000);
    assert.equal((await reported).powerW, 10 * 3 * 230);
    assert.deepEqual(await adapter.applyLimit(limit('sim201', 10.04)), { outcome: 'unchanged' });
  });

  it('pauses the car at 0 A (SuspendedEVSE) and resumes above 6 A', async () => {
    const suspended = waitForState(adapter, (s) => s.status === 'suspended-evse');
    assert.equal((await adapter.applyLimit(limit('sim201', 0))).outcome, 'applied');
    await t.clock.advance(1_000);
    await suspended;
    const charging = waitForState(adapter, (s) => s.status === 'charging');
    assert.equal((await adapter.applyLimit(limit('sim201', 8, 1))).outcome, 'applied');
    await t.clock.advance(3_000);
    await charging;
    assert.deepEqual(cp.phaseCurrentsA, [8, 0, 0]);
  });

  it('queues its TransactionEvents while the line is down and delivers them in order afterwards', async () => {
    const transactionId = cp.transactionId;
    assert.ok(transactionId !== undefined);
    const replaced = new Promise<void>((resolve) => {
      const off = t.server.onChargerDisconnected((_adapter, info) => {
        if (!info.replaced) return;
        off();
        resolve();
      });
    });
    // Another socket claiming to be sim201 takes the line; the simulator reconnects by itself a moment later.
    const impostor = new RawCharger(t.url, 'sim201', ['ocpp2.0.1']);
    await impostor.open();
    await replaced;
    const before = adapter.transactionLog(transactionId).length;
    await eventually(async () => {
      await t.clock.advance(10_000); // one periodic TransactionEvent per 10 s, queued while the socket is gone
      return cp.queuedEvents >= 2;
    }, 'events to queue up while offline');
    await once(impostor.ws, 'close'); // the simulator is back
    await eventually(() => cp.queuedEvents === 0, 'the queue to be delivered');
    const log = adapter.transactionLog(transactionId);
    const delivered = log.slice(before);
    assert.ok(delivered.filter((e) => e.offline).length >= 2, 'queued events arrive flagged offline');
    assert.deepEqual(log.map((e) => e.seqNo), log.map((_, i) => i), 'every seqNo arrived, in order');
    assert.ok(delivered.every((e, i) => i === 0 || e.atMs >= (delivered[i - 1]?.atMs ?? 0)), 'with their original timestamps');
    await waitForState(adapter, (s) => s.connected && s.transactionId === transactionId);
  });

  it('ends the transaction on unplug and keeps the session energy', async () => {
    const available = waitForState(adapter, (s) => s.status === 'available');
    await cp.unplug();
    const state = await available;
    assert.equal(state.transactionId, undefined);
    assert.ok(Math.abs((state.sessionEnergyWh ?? 0) - Math.round(cp.energyWh)) <= 1);
    assert.equal(adapter.chargingNeeds, undefined);
  });

  it('reports offline when the wallbox goes away, leaving no clock timers behind', async () => {
    const offline = waitForState(adapter, (s) => !s.connected);
    await cp.stop();
    assert.equal((await offline).status, 'offline');
    assert.deepEqual(await adapter.applyLimit(limit('sim201', 12)), { outcome: 'offline', detail: 'not connected' });
    assert.equal(t.clock.pendingTimers(), 0);
  });
});

describe('our simulated 2.0.1 wallbox that takes only power', () => {
  it('turns Sunplug\'s W limit back into the same current per phase', async () => {
    const t = await startTestServer({ known: ['simw'], voltageV: 220 });
    const cp = new SimulatedChargingStation201({ id: 'simw', url: t.url, clock: t.clock, voltageV: 220, variables: { 'SmartChargingCtrlr.RateUnit': 'W' } });
    try {
      const adapter = await startStation(t, cp);
      await cp.plugIn();
      assert.deepEqual(await adapter.applyLimit(limit('simw', 10)), { outcome: 'applied', detail: '6600 W' });
      assert.equal(cp.offeredCurrentA, 10);
      assert.equal((await adapter.applyLimit(limit('simw', 10, 1))).detail, '2200 W');
      assert.equal(cp.offeredCurrentA, 10);
      assert.equal(cp.activePhases, 1);
      const schedule = await cp.profiles.compositeSchedule(1, t.clock.nowMs(), 60, 'W', 16, undefined);
      assert.equal(schedule[0]?.limit, 2200);
    } finally {
      await cp.stop();
      await t.server.close();
    }
  });
});
