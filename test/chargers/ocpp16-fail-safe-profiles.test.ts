import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChargerAdapter } from '../../src/chargers/charger-adapter.ts';
import type { ChargingProfile } from '../../src/chargers/ocpp16/charging-profile.ts';
import type { Ocpp16Adapter } from '../../src/chargers/ocpp16/ocpp16-adapter.ts';
import type { ChargeLimit } from '../../src/domain/charge-limit.ts';
import { SimulatedChargePoint, type HandledRequest } from '../../src/sim/ocpp-charge-point.ts';
import { eventually } from '../support/eventually.ts';
import { nextConnection, startTestServer, waitForRequest, waitForState, type TestServer } from './ocpp-test-kit.ts';
import { cooperativeWallbox, ScriptedCharger, sentProfile, type Responder } from './scripted-charger.ts';

/**
 * DESIGN.md safety model 3: if Sunplug dies, each charger falls back to the safe current by itself. The safe default
 * profile sits at stack level 0; every limit above it expires unless Sunplug renews it. Driven against the simulated
 * wallbox, whose profile stack honours stack levels, connectors, validTo and schedule durations like the spec.
 */

const MINUTE_MS = 60_000;

function limit(chargerId: string, currentA: number, safety = false): ChargeLimit {
  return { chargerId, currentA, phases: 3, reason: safety ? 'fuse-limit' : 'solar-surplus', safety };
}

function isoAt(atMs: number): string {
  return new Date(atMs).toISOString();
}

/** A profile as an older Sunplug run left it: our dynamic id, stack level 1, 16 A, no expiry. */
function staleProfile(nowMs: number): ChargingProfile {
  return {
    chargingProfileId: 1001, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule: isoAt(nowMs - 3_600_000), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
  };
}

/** Somebody else's profile (an installer's station cap): not ours to clear. */
function foreignProfile(nowMs: number): ChargingProfile {
  return {
    chargingProfileId: 7, stackLevel: 0, chargingProfilePurpose: 'ChargePointMaxProfile', chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule: isoAt(nowMs - 3_600_000), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }] },
  };
}

describe('fail-safe profiles on the simulated 1.6 wallbox', () => {
  let t: TestServer;
  let cp: SimulatedChargePoint;
  let adapter: Ocpp16Adapter;
  const handled: HandledRequest[] = [];
  const setProfiles = (): HandledRequest[] => handled.filter((r) => r.action === 'SetChargingProfile');

  before(async () => {
    t = await startTestServer({ ocpp16: { safeCurrentA: 6, profileExpiryS: 900 } });
    // A long reconnect delay: once the server is closed, the simulator must not find a new one during the test.
    cp = new SimulatedChargePoint({ id: 'cp1', url: t.url, clock: t.clock, voltageV: 230, vehicle: { maxCurrentA: 16 }, reconnectDelayMs: 60_000 });
    cp.profiles.install(1, staleProfile(t.clock.nowMs()), t.clock.nowMs());
    cp.profiles.install(0, foreignProfile(t.clock.nowMs()), t.clock.nowMs());
    cp.onRequest((request) => handled.push(request));
    const connected = nextConnection(t.server);
    const safeDefault = waitForRequest(cp, 'SetChargingProfile', (p) => sentProfile({ payload: p }).csChargingProfiles.chargingProfileId === 1000);
    const metering = waitForRequest(cp, 'ChangeConfiguration', (p) => JSON.stringify(p).includes('MeterValueSampleInterval'));
    await cp.start();
    adapter = await connected as Ocpp16Adapter;
    await safeDefault;
    await metering;
    await eventually(() => adapter.smartChargingReport().profiles?.safeDefault?.status === 'installed', 'the safe default set-up');
  });

  after(async () => {
    await cp.stop();
    await t.server.close();
  });

  it('clears our own stale profiles at boot, keeps others\' and writes the safe default at stack level 0', () => {
    const clears = handled.filter((r) => r.action === 'ClearChargingProfile').map((r) => r.payload);
    assert.deepEqual(clears, [{ id: 1001 }, { id: 1002 }]);
    const firstSet = handled.findIndex((r) => r.action === 'SetChargingProfile');
    assert.ok(handled.findIndex((r) => r.action === 'ClearChargingProfile') < firstSet, 'cleared before anything is written');
    const safe = sentProfile(setProfiles()[0]!);
    assert.equal(safe.connectorId, 0);
    assert.equal(safe.csChargingProfiles.chargingProfileId, 1000);
    assert.equal(safe.csChargingProfiles.stackLevel, 0);
    assert.equal(safe.csChargingProfiles.chargingProfilePurpose, 'TxDefaultProfile');
    assert.deepEqual(safe.csChargingProfiles.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 6 }]);
    assert.equal(safe.csChargingProfiles.validTo, undefined, 'the safe default never expires');
    assert.equal(safe.csChargingProfiles.chargingSchedule.duration, undefined);
    assert.equal(cp.profiles.size, 2, 'the safe default and the foreign station cap');
    assert.deepEqual(cp.profiles.limitAt(1, t.clock.nowMs()), { currentA: 6 }, 'the stale 16 A profile no longer masks it');
    const report = adapter.smartChargingReport().profiles;
    assert.equal(report?.mode, 'fail-safe');
    assert.deepEqual(report?.safeDefault, { status: 'installed', connectorId: 0, limit: 6, unit: 'A' });
  });

  it('a car charges at the safe current until Sunplug sets a limit', async () => {
    const charging = waitForState(adapter, (s) => s.status === 'charging');
    await cp.plugIn();
    await charging;
    assert.equal(cp.offeredCurrentA, 6);
  });

  it('writes each limit above the safe default with an expiry, and renews it before it expires', async () => {
    const writtenAtMs = t.clock.nowMs();
    assert.deepEqual(await adapter.applyLimit(limit('cp1', 10)), { outcome: 'applied', detail: '10 A' });
    const dynamic = sentProfile(setProfiles().at(-1)!);
    assert.equal(dynamic.connectorId, 1);
    assert.equal(dynamic.csChargingProfiles.chargingProfileId, 1001);
    assert.equal(dynamic.csChargingProfiles.stackLevel, 1);
    assert.equal(dynamic.csChargingProfiles.validTo, isoAt(writtenAtMs + 900_000));
    assert.equal(dynamic.csChargingProfiles.chargingSchedule.duration, 960, 'starts a minute early, ends at validTo');
    assert.equal(cp.offeredCurrentA, 10);

    const before = setProfiles().length;
    await t.clock.advance(599_000);
    assert.equal(setProfiles().length, before, 'not renewed early');
    const renewed = waitForRequest(cp, 'SetChargingProfile');
    await t.clock.advance(2_000);
    const renewal = sentProfile(await renewed);
    assert.equal(renewal.csChargingProfiles.validTo, isoAt(writtenAtMs + 600_000 + 900_000), 'renewed at two thirds of its life');
    assert.equal(renewal.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]?.limit, 10);
    await t.clock.advance(400_000); // past the first expiry
    assert.equal(cp.offeredCurrentA, 10, 'the renewed limit still holds');
    assert.equal(adapter.smartChargingReport().profiles?.dynamic?.currentA, 10);
  });

  it('when Sunplug is killed, the wallbox falls back to the safe current by itself once the limit expires', async () => {
    const expiresAtMs = adapter.smartChargingReport().profiles?.dynamic?.expiresAtMs;
    assert.ok(expiresAtMs !== undefined);
    const offline = waitForState(adapter, (s) => !s.connected);
    await t.server.close();
    await offline;
    await t.clock.advance(expiresAtMs - t.clock.nowMs() - 1_000);
    assert.equal(cp.offeredCurrentA, 10, 'a second before the expiry the limit still holds');
    await t.clock.advance(2_000);
    assert.equal(cp.offeredCurrentA, 6, 'the safe default took over');
    const composite = cp.profiles.compositeSchedule(1, t.clock.nowMs(), 3600, 'A', 16, { id: cp.transactionId ?? 0, startedAtMs: 0 });
    assert.deepEqual(composite, [{ startPeriod: 0, limit: 6 }], 'and holds for good');
    await t.clock.advance(5 * MINUTE_MS);
    assert.ok(Math.abs(cp.drawnCurrentA - 6) < 0.01, 'the car followed');
  });
});

/** Boots a scripted charger against `t` and waits until the adapter's set-up (safe default, metering) is done. */
async function bootScripted(t: TestServer, id: string, responder: Responder): Promise<{ charger: ScriptedCharger; adapter: Ocpp16Adapter }> {
  const connected = nextConnection(t.server);
  const charger = new ScriptedCharger(t.url, id, responder);
  await charger.open();
  const adapter = await connected as Ocpp16Adapter;
  await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: isoAt(t.clock.nowMs()) });
  await charger.call('BootNotification', { chargePointVendor: 'Scripted', chargePointModel: 'One' });
  await charger.waitFor((c) => c.action === 'ChangeConfiguration' && c.payload.key === 'MeterValueSampleInterval');
  await eventually(() => adapter.smartChargingReport().profiles?.safeDefault?.status !== 'pending', 'the safe default set-up');
  return { charger, adapter };
}

async function startTransaction(t: TestServer, charger: ScriptedCharger, adapter: ChargerAdapter): Promise<number> {
  const started = await charger.call('StartTransaction', { connectorId: 1, idTag: 'CARD', meterStart: 0, timestamp: isoAt(t.clock.nowMs()) });
  const transactionId = Number(started.transactionId);
  await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: isoAt(t.clock.nowMs()) });
  await waitForState(adapter, (s) => s.transactionId === String(transactionId));
  return transactionId;
}

describe('where the dynamic limit goes when a charger refuses it', () => {
  let t: TestServer;
  const chargers: ScriptedCharger[] = [];

  before(async () => {
    t = await startTestServer({ known: ['fb1', 'fb2', 'fb3', 'fb4'], callTimeoutMs: 500, ocpp16: { safeCurrentA: 6, profileExpiryS: 900 } });
  });

  after(async () => {
    for (const charger of chargers) charger.close();
    await t.server.close();
  });

  it('tries connector 0 when the connector is refused, and starts there next time', async () => {
    const { charger, adapter } = await bootScripted(t, 'fb1', cooperativeWallbox({
      SetChargingProfile: (p) => ({ status: sentProfile({ payload: p }).connectorId === 1 ? 'Rejected' : 'Accepted' }),
    }));
    chargers.push(charger);
    assert.deepEqual(await adapter.applyLimit(limit('fb1', 10)), { outcome: 'applied', detail: '10 A' });
    const tries = charger.received('SetChargingProfile').slice(1).map(sentProfile);
    assert.deepEqual(tries.map((p) => [p.connectorId, p.csChargingProfiles.stackLevel]), [[1, 1], [0, 1]]);
    assert.ok(tries[1]?.csChargingProfiles.validTo !== undefined, 'above the safe default on connector 0: expires');
    assert.equal(adapter.smartChargingReport().profiles?.dynamic?.connectorId, 0);
    const count = charger.received('SetChargingProfile').length;
    assert.equal((await adapter.applyLimit(limit('fb1', 11))).outcome, 'applied');
    assert.deepEqual(charger.received('SetChargingProfile').slice(count).map((c) => sentProfile(c).connectorId), [0]);
  });

  it('falls back to a TxProfile for the running transaction, never to a connector-0 default masked by the safe one', async () => {
    const { charger, adapter } = await bootScripted(t, 'fb2', cooperativeWallbox({
      SetChargingProfile: (p) => {
        const profile = sentProfile({ payload: p });
        if (profile.csChargingProfiles.chargingProfilePurpose === 'TxProfile') return { status: 'Accepted' };
        if (profile.csChargingProfiles.chargingProfileId === 1000) return { status: profile.connectorId === 1 ? 'Accepted' : 'Rejected' };
        return { status: 'Rejected' };
      },
    }));
    chargers.push(charger);
    assert.deepEqual(adapter.smartChargingReport().profiles?.safeDefault, { status: 'installed', connectorId: 1, limit: 6, unit: 'A' });
    assert.equal((await adapter.applyLimit(limit('fb2', 9))).outcome, 'rejected', 'no transaction, no TxProfile: nowhere to put it');
    const transactionId = await startTransaction(t, charger, adapter);
    await t.clock.advance(61_000); // past the pause after a limit was refused everywhere
    assert.deepEqual(await adapter.applyLimit(limit('fb2', 9)), { outcome: 'applied', detail: '9 A' });
    const dynamic = charger.received('SetChargingProfile').map(sentProfile).filter((p) => p.csChargingProfiles.chargingProfileId !== 1000);
    assert.ok(dynamic.every((p) => p.connectorId === 1), 'connector 0 is never tried: the safe default on connector 1 would mask it');
    const tx = dynamic.at(-1)!.csChargingProfiles;
    assert.equal(tx.chargingProfilePurpose, 'TxProfile');
    assert.equal(tx.transactionId, transactionId);
    assert.equal(tx.chargingProfileId, 1002);
    assert.ok(tx.validTo !== undefined, 'it expires too; the safe default applies after it');
  });

  it('on a charger that honours stack level 0 only, keeps the limit on the connector and the safe default on 0', async () => {
    const { charger, adapter } = await bootScripted(t, 'fb3', cooperativeWallbox({
      GetConfiguration: () => ({ configurationKey: [{ key: 'ChargeProfileMaxStackLevel', readonly: true, value: '0' }] }),
      SetChargingProfile: (p) => ({ status: sentProfile({ payload: p }).csChargingProfiles.stackLevel > 0 ? 'Rejected' : 'Accepted' }),
    }));
    chargers.push(charger);
    assert.equal((await adapter.applyLimit(limit('fb3', 12))).outcome, 'applied');
    const dynamic = sentProfile(charger.received('SetChargingProfile').at(-1)!);
    assert.deepEqual([dynamic.connectorId, dynamic.csChargingProfiles.stackLevel], [1, 0]);
    assert.ok(dynamic.csChargingProfiles.validTo !== undefined, 'the safe default lies beneath it on connector 0');
    assert.equal(adapter.smartChargingReport().profiles?.dynamic?.fallback, 'validTo');
  });

  it('when only the safe default\'s own place is left, writes a limit that falls back to the safe current by itself', async () => {
    const { charger, adapter } = await bootScripted(t, 'fb4', cooperativeWallbox({
      GetConfiguration: () => ({ configurationKey: [{ key: 'ChargeProfileMaxStackLevel', readonly: true, value: '0' }] }),
      SetChargingProfile: (p) => ({ status: sentProfile({ payload: p }).connectorId === 0 ? 'Accepted' : 'Rejected' }),
    }));
    chargers.push(charger);
    const writtenAtMs = t.clock.nowMs();
    assert.equal((await adapter.applyLimit(limit('fb4', 14))).outcome, 'applied');
    const tail = sentProfile(charger.received('SetChargingProfile').at(-1)!).csChargingProfiles;
    assert.equal(tail.stackLevel, 0);
    assert.equal(tail.validTo, undefined, 'it replaces the safe default, so it must not just vanish');
    assert.equal(tail.chargingSchedule.startSchedule, isoAt(writtenAtMs - 60_000));
    assert.deepEqual(tail.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 14, numberPhases: 3 }, { startPeriod: 960, limit: 6, numberPhases: 3 }]);
    assert.equal(adapter.smartChargingReport().profiles?.dynamic?.fallback, 'tail');
  });
});

describe('the daily write budget', () => {
  let t: TestServer;
  let charger: ScriptedCharger;
  let adapter: Ocpp16Adapter;

  before(async () => {
    t = await startTestServer({ known: ['b1', 'b2'], ocpp16: { safeCurrentA: 6, profileExpiryS: 900, writeBudgetPerDay: 5 } });
    ({ charger, adapter } = await bootScripted(t, 'b1', cooperativeWallbox()));
  });

  after(async () => {
    charger.close();
    await t.server.close();
  });

  it('holds a raise once it is spent, but lets safety reductions and pauses through', async () => {
    for (const currentA of [7, 8, 9, 10]) assert.equal((await adapter.applyLimit(limit('b1', currentA))).outcome, 'applied');
    assert.equal(adapter.smartChargingReport().profiles?.budget.usedLast24h, 5, 'the safe default counts too');
    const writes = charger.received('SetChargingProfile').length;
    const held = await adapter.applyLimit(limit('b1', 12));
    assert.equal(held.outcome, 'rejected');
    assert.match(held.detail ?? '', /budget of 5 profile writes is spent/);
    assert.equal(charger.received('SetChargingProfile').length, writes, 'nothing was sent');
    assert.deepEqual(await adapter.applyLimit(limit('b1', 8, true)), { outcome: 'applied', detail: '8 A' }, 'a fuse reduction goes out');
    assert.equal((await adapter.applyLimit(limit('b1', 7, false))).outcome, 'rejected', 'a reduction that is not for safety waits');
    assert.deepEqual(await adapter.applyLimit(limit('b1', 0)), { outcome: 'applied', detail: '0 A' }, 'so does a pause');
  });

  it('renews a limit at or below the safe current even when spent (letting it lapse would raise the current)', async () => {
    const writes = charger.received('SetChargingProfile').length;
    await t.clock.advance(601_000);
    const renewal = charger.received('SetChargingProfile').slice(writes).map(sentProfile);
    assert.equal(renewal.length, 1);
    assert.equal(renewal[0]?.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]?.limit, 0);
  });

  it('lets a limit above the safe current lapse to the safe default when spent, and writes again a day later', async () => {
    const fresh = await bootScripted(t, 'b2', cooperativeWallbox());
    try {
      for (const currentA of [10, 11, 12, 13]) assert.equal((await fresh.adapter.applyLimit(limit('b2', currentA))).outcome, 'applied');
      const writes = fresh.charger.received('SetChargingProfile').length;
      await t.clock.advance(601_000);
      assert.equal(fresh.charger.received('SetChargingProfile').length, writes, 'not renewed: the budget is spent');
      await t.clock.advance(300_000);
      assert.equal(fresh.adapter.smartChargingReport().profiles?.dynamic, undefined, 'expired: the charger is back on its safe default');
      assert.equal((await fresh.adapter.applyLimit(limit('b2', 14))).outcome, 'rejected');
      await t.clock.advance(24 * 3_600_000 - 900_000); // the window slides past the first writes
      assert.deepEqual(await fresh.adapter.applyLimit(limit('b2', 14)), { outcome: 'applied', detail: '14 A' });
    } finally {
      fresh.charger.close();
    }
  });
});

describe('checking that a charger follows its limits', () => {
  let t: TestServer;
  const chargers: ScriptedCharger[] = [];

  before(async () => {
    t = await startTestServer({ known: ['honest', 'liar', 'composite'], ocpp16: { safeCurrentA: 6, profileExpiryS: 900 } });
  });

  after(async () => {
    for (const charger of chargers) charger.close();
    await t.server.close();
  });

  async function offer(charger: ScriptedCharger, transactionId: number, offeredA: number): Promise<void> {
    await charger.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{
      timestamp: isoAt(t.clock.nowMs()),
      sampledValue: [{ value: String(offeredA), measurand: 'Current.Offered', unit: 'A' }, { value: '1000', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
    }] });
  }

  it('flags a charger whose Current.Offered stays above the limit it accepted, and not one that follows', async () => {
    const liar = await bootScripted(t, 'liar', cooperativeWallbox());
    const honest = await bootScripted(t, 'honest', cooperativeWallbox());
    chargers.push(liar.charger, honest.charger);
    const liarTx = await startTransaction(t, liar.charger, liar.adapter);
    const honestTx = await startTransaction(t, honest.charger, honest.adapter);
    assert.equal((await liar.adapter.applyLimit(limit('liar', 10))).outcome, 'applied');
    assert.equal((await honest.adapter.applyLimit(limit('honest', 10))).outcome, 'applied');
    await offer(liar.charger, liarTx, 16); // within the grace time: not judged
    await offer(honest.charger, honestTx, 16);
    await t.clock.advance(31_000);
    await offer(liar.charger, liarTx, 16);
    await offer(honest.charger, honestTx, 10);
    assert.equal(liar.adapter.ignoresLimits, false, 'one sample is not enough');
    await t.clock.advance(10_000);
    await offer(liar.charger, liarTx, 16);
    assert.equal(liar.adapter.ignoresLimits, true);
    assert.match(liar.adapter.smartChargingReport().compliance.detail ?? '', /offers 16 A .* limit of 10 A/);
    assert.equal(honest.adapter.ignoresLimits, false);
    assert.equal(honest.adapter.smartChargingReport().compliance.status, 'following');
  });

  it('flags a charger whose own composite schedule contradicts the limit it accepted', async () => {
    const { charger, adapter } = await bootScripted(t, 'composite', cooperativeWallbox({
      GetCompositeSchedule: (p) => ({
        status: 'Accepted', connectorId: p.connectorId, scheduleStart: isoAt(t.clock.nowMs()),
        chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
      }),
    }));
    chargers.push(charger);
    assert.equal((await adapter.applyLimit(limit('composite', 8))).outcome, 'applied');
    const asked = charger.received('GetCompositeSchedule')[0]?.payload;
    assert.deepEqual(asked, { connectorId: 1, duration: 60, chargingRateUnit: 'A' });
    assert.equal(adapter.ignoresLimits, true);
    assert.match(adapter.smartChargingReport().compliance.detail ?? '', /composite schedule allows 16 A/);
  });
});
