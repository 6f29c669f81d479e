import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chargerInventory } from '../../../src/chargers/charger-inventory.ts';
import { Ocpp201Adapter } from '../../../src/chargers/ocpp201/ocpp201-adapter.ts';
import { SecurityEventLog } from '../../../src/chargers/security/security-events.ts';
import type { ChargeLimit } from '../../../src/domain/charge-limit.ts';
import { silentLogger } from '../../../src/platform/logger.ts';
import { eventually } from '../../support/eventually.ts';
import { nextConnection, startTestServer, waitForState, type TestServer } from '../ocpp-test-kit.ts';
import { iso, TestChargePoint } from './test-charge-point.ts';

/**
 * 2.0.1 fail-safe profiles on par with 1.6, against the typed-ocpp-checked test station that applies profiles with
 * the spec's stacking rules: the safe default beneath, the expiring dynamic limit above it renewed at two thirds of
 * its life, our stale profile cleared at boot, and after Sunplug stops the station falls back to the safe current
 * when the expiry passes (fake clock). Also the boot-time GetBaseReport inventory and security events.
 */

const SAFE_A = 6;
const EXPIRY_S = 900;
const limit = (chargerId: string, currentA: number): ChargeLimit => ({ chargerId, currentA, phases: 3, reason: 'solar-surplus', safety: false });

async function booted(t: TestServer, id: string, prepare?: (cp: TestChargePoint) => void): Promise<{ cp: TestChargePoint; adapter: Ocpp201Adapter }> {
  const connected = nextConnection(t.server);
  const cp = await TestChargePoint.connect({ url: t.url, id, clock: t.clock });
  prepare?.(cp);
  const adapter = await connected;
  assert.ok(adapter instanceof Ocpp201Adapter);
  await cp.status('Available');
  assert.equal((await cp.boot()).status, 'Accepted');
  await cp.waitForCall('SetChargingProfile', 1);
  return { cp, adapter };
}

describe('2.0.1 fail-safe charging profiles', () => {
  let t: TestServer;
  const securityEvents = new SecurityEventLog({ logger: silentLogger() });

  before(async () => {
    t = await startTestServer({
      known: ['fs1', 'stale', 'inv', 'sec'], callTimeoutMs: 2_000, securityEvents,
      ocpp201: { safeCurrentA: SAFE_A, profileExpiryS: EXPIRY_S },
    });
  });

  after(async () => {
    await t.server.close();
  });

  it('writes the safe default beneath, the expiring limit above it, renews it, and falls back to the safe current once Sunplug is gone', async () => {
    const { cp, adapter } = await booted(t, 'fs1');
    const safe = cp.received.find((c) => c.action === 'SetChargingProfile');
    const safeProfile = safe?.payload.chargingProfile as Record<string, unknown>;
    assert.equal(safeProfile.stackLevel, 0);
    assert.equal(safeProfile.chargingProfilePurpose, 'TxDefaultProfile');
    assert.equal(safeProfile.validTo, undefined, 'the safe default never ends');
    assert.deepEqual(cp.installed.limitAt(1, t.clock.nowMs()), { limit: SAFE_A, unit: 'A', profileId: 1000 });

    assert.equal((await adapter.applyLimit(limit('fs1', 16))).outcome, 'applied');
    const dynamic = cp.installed.profiles.get(1001);
    assert.ok(dynamic !== undefined);
    assert.equal(dynamic.stackLevel, 1);
    assert.equal(dynamic.validToMs, t.clock.nowMs() + EXPIRY_S * 1000);
    assert.equal(cp.installed.limitAt(1, t.clock.nowMs())?.limit, 16);
    assert.equal(adapter.failSafeReport()?.safeDefault, 'accepted');

    // Renewed at two thirds of its life, with a new expiry, as long as Sunplug runs.
    const writes = cp.count('SetChargingProfile');
    await t.clock.advance((EXPIRY_S * 1000 * 2) / 3);
    await cp.waitForCall('SetChargingProfile', writes + 1);
    const renewedValidTo = await eventually(() => cp.installed.profiles.get(1001)?.validToMs === t.clock.nowMs() + EXPIRY_S * 1000 && cp.installed.profiles.get(1001)?.validToMs, 'the renewal to land');
    assert.equal(cp.installed.limitAt(1, t.clock.nowMs())?.limit, 16);

    // Sunplug goes away (the connection drops, nothing renews): the limit holds until its expiry, then the safe current.
    await cp.close();
    await waitForState(adapter, (s) => !s.connected);
    await t.clock.advance(EXPIRY_S * 1000 - 1000);
    assert.equal(cp.installed.limitAt(1, t.clock.nowMs())?.limit, 16, 'still the last limit just before the expiry');
    await t.clock.advance(2000);
    assert.ok(t.clock.nowMs() > renewedValidTo);
    assert.deepEqual(cp.installed.limitAt(1, t.clock.nowMs()), { limit: SAFE_A, unit: 'A', profileId: 1000 }, 'back to the safe current by itself');
    assert.equal(cp.count('SetChargingProfile'), writes + 1, 'no write after the disconnect');
    assert.deepEqual(cp.violations, []);
  });

  it('holds raises once the daily write budget is spent, but never a reduction to the safe current or a pause', async () => {
    const budgeted = await startTestServer({ known: ['budget'], callTimeoutMs: 2_000, ocpp201: { safeCurrentA: SAFE_A, profileExpiryS: EXPIRY_S, writeBudgetPerDay: 3 } });
    try {
      const { cp, adapter } = await booted(budgeted, 'budget'); // the safe default is write 1
      assert.equal((await adapter.applyLimit(limit('budget', 16))).outcome, 'applied');
      assert.equal((await adapter.applyLimit(limit('budget', 10))).outcome, 'applied');
      const held = await adapter.applyLimit(limit('budget', 12));
      assert.deepEqual(held, { outcome: 'rejected', detail: 'held: the daily budget of 3 profile writes is spent' });
      assert.equal(cp.installed.limitAt(1, budgeted.clock.nowMs())?.limit, 10);
      assert.equal((await adapter.applyLimit(limit('budget', 0))).outcome, 'applied', 'a pause always goes out');
      assert.equal(adapter.failSafeReport()?.budget.usedLast24h, 4);
      // The renewal of a limit above the safe current is held too: the station lapses to the safe current.
      assert.equal((await adapter.applyLimit(limit('budget', 16))).outcome, 'rejected');
      await cp.close();
      assert.deepEqual(cp.violations, []);
    } finally {
      await budgeted.server.close();
    }
  });

  it('clears our stale dynamic profile at boot, before the safe default, and leaves other profiles alone', async () => {
    const staleProfile = {
      evseId: 1, id: 1001, stackLevel: 1, purpose: 'TxDefaultProfile', startMs: t.clock.nowMs() - 3_600_000, unit: 'A',
      periods: [{ startPeriod: 0, limit: 32 }],
    };
    const installers = { ...staleProfile, id: 7, stackLevel: 5, purpose: 'ChargingStationMaxProfile', evseId: 0, periods: [{ startPeriod: 0, limit: 20 }] };
    const { cp } = await booted(t, 'stale', (station) => {
      station.installed.set(staleProfile);
      station.installed.set(installers);
    });
    const actions = cp.received.map((c) => c.action);
    assert.ok(actions.indexOf('ClearChargingProfile') < actions.indexOf('SetChargingProfile'), 'cleared first');
    assert.deepEqual(cp.received.find((c) => c.action === 'ClearChargingProfile')?.payload, { chargingProfileId: 1001 });
    assert.equal(cp.installed.profiles.has(1001), false, 'the stale 32 A limit is gone');
    assert.equal(cp.installed.profiles.has(7), true, "the installer's profile stays");
    assert.deepEqual(cp.installed.limitAt(1, t.clock.nowMs()), { limit: SAFE_A, unit: 'A', profileId: 1000 });
    await cp.close();
    assert.deepEqual(cp.violations, []);
  });

  it('asks for the full inventory after boot and assembles the NotifyReport parts', async () => {
    const { cp, adapter } = await booted(t, 'inv');
    await cp.waitForCall('GetBaseReport');
    assert.deepEqual(cp.received.find((c) => c.action === 'GetBaseReport')?.payload, { requestId: 1, reportBase: 'FullInventory' });
    const inventory = await eventually(() => {
      const view = chargerInventory(adapter, undefined, 'ocpp2.0.1');
      return view.evses.length > 0 && view.smartCharging.Available !== undefined && view;
    }, 'both NotifyReport parts');
    assert.equal(inventory.source, 'device-model');
    assert.equal(inventory.vendor, 'Sunplug Test');
    assert.equal(inventory.model, 'TCP-201');
    assert.equal(inventory.firmwareVersion, 't1');
    assert.deepEqual(inventory.evses, [{ id: 1, powerW: 11000, supplyPhases: 3, connectors: [{ id: 1, connectorType: 'cType2' }] }]);
    assert.equal(inventory.smartCharging.RateUnit, 'A,W');
    assert.equal(inventory.smartCharging['Entries[ChargingProfiles]'], '10');
    await cp.close();
    assert.deepEqual(cp.violations, []);
  });

  it('records security events, warns about the ones that need attention, and acknowledges them', async () => {
    const { cp } = await booted(t, 'sec');
    assert.deepEqual(await cp.call('SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: iso(t.clock.nowMs()) }), {});
    assert.equal(securityEvents.warning('sec', t.clock.nowMs()), undefined, 'a routine start is no warning');
    await cp.call('SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: iso(t.clock.nowMs()), techInfo: 'lid opened' });
    const events = securityEvents.events('sec');
    assert.deepEqual(events.map((e) => [e.type, e.critical, e.attention]), [['TamperDetectionActivated', true, true], ['StartupOfTheDevice', true, false]]);
    assert.equal(events[0]?.techInfo, 'lid opened');
    assert.equal(securityEvents.warning('sec', t.clock.nowMs()), 'Security: tampering detected at the charger (lid opened)');
    await t.clock.advance(25 * 3_600_000);
    assert.equal(securityEvents.warning('sec', t.clock.nowMs()), undefined, 'the warning fades after a day; the event stays listed');
    assert.equal(securityEvents.events('sec').length, 2);
    await cp.close();
    assert.deepEqual(cp.violations, []);
  });
});
