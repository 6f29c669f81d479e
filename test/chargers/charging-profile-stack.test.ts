import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChargingProfile } from '../../src/chargers/ocpp16/charging-profile.ts';
import { ChargingProfileStack } from '../../src/sim/charging-profile-stack.ts';

const T0 = Date.UTC(2026, 5, 21, 10, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
const MIN = 60_000;

function stack(): ChargingProfileStack {
  return new ChargingProfileStack({ maxStackLevel: 5, maxProfiles: 10, numberOfConnectors: 1, chargerPhases: 3, voltageV: 230 });
}

function profile(id: number, stackLevel: number, limit: number, extra: Partial<ChargingProfile> = {}, unit: 'A' | 'W' = 'A'): ChargingProfile {
  return {
    chargingProfileId: id,
    stackLevel,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule: iso(T0 - MIN), chargingRateUnit: unit, chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
    ...extra,
  };
}

const tx = { id: 7, startedAtMs: T0 };

describe('the simulated charge point stacks charging profiles as OCPP 1.6 says', () => {
  it('applies no limit without profiles', () => {
    assert.equal(stack().limitAt(1, T0, tx), undefined);
  });

  it('lets the highest stack level win within a purpose', () => {
    const s = stack();
    s.install(1, profile(1, 0, 6), T0);
    s.install(1, profile(2, 3, 13), T0);
    s.install(1, profile(3, 1, 10), T0);
    assert.equal(s.limitAt(1, T0, tx)?.currentA, 13);
  });

  it('replaces a profile with the same id, or the same connector, purpose and stack level', () => {
    const s = stack();
    s.install(1, profile(1, 2, 6), T0);
    s.install(1, profile(1, 2, 8), T0);
    s.install(1, profile(9, 2, 11), T0);
    assert.equal(s.size, 1);
    assert.equal(s.limitAt(1, T0, tx)?.currentA, 11);
  });

  it('prefers a TxProfile during its transaction and drops it when the transaction ends', () => {
    const s = stack();
    s.install(1, profile(1, 5, 16), T0);
    assert.equal(s.install(1, profile(2, 0, 8, { chargingProfilePurpose: 'TxProfile' }), T0).status, 'Rejected', 'no transaction');
    assert.equal(s.install(1, profile(2, 0, 8, { chargingProfilePurpose: 'TxProfile', transactionId: 99 }), T0, tx).status, 'Rejected', 'other transaction');
    assert.equal(s.install(1, profile(2, 0, 8, { chargingProfilePurpose: 'TxProfile' }), T0, tx).status, 'Accepted');
    assert.equal(s.limitAt(1, T0, tx)?.currentA, 8);
    s.removeTxProfiles(1);
    assert.equal(s.limitAt(1, T0, tx)?.currentA, 16);
  });

  it('lets a TxDefaultProfile on the connector override one on connector 0', () => {
    const s = stack();
    s.install(0, profile(1, 5, 16), T0);
    assert.equal(s.limitAt(1, T0, tx)?.currentA, 16);
    s.install(1, profile(2, 0, 10), T0);
    assert.equal(s.limitAt(1, T0, tx)?.currentA, 10);
  });

  it('caps everything with the ChargePointMaxProfile, which belongs on connector 0 only', () => {
    const s = stack();
    const cap = profile(1, 0, 12, { chargingProfilePurpose: 'ChargePointMaxProfile' });
    assert.equal(s.install(1, cap, T0).status, 'Rejected');
    assert.equal(s.install(0, cap, T0).status, 'Accepted');
    assert.equal(s.limitAt(1, T0, tx)?.currentA, 12);
    s.install(1, profile(2, 1, 16), T0);
    assert.equal(s.limitAt(1, T0, tx)?.currentA, 12);
    s.install(1, profile(3, 2, 7), T0);
    assert.equal(s.limitAt(1, T0, tx)?.currentA, 7);
  });

  it('falls back to a lower stack level when a profile expires (validTo) or its schedule ends (duration)', () => {
    const s = stack();
    s.install(1, profile(1, 0, 6), T0);
    s.install(1, profile(2, 2, 16, { validTo: iso(T0 + 10 * MIN) }), T0);
    const short = profile(3, 1, 10);
    short.chargingSchedule.duration = 20 * 60 + 60; // from T0 - 1 min: until T0 + 20 min
    s.install(1, short, T0);
    assert.equal(s.limitAt(1, T0, tx)?.currentA, 16);
    assert.equal(s.limitAt(1, T0 + 10 * MIN, tx)?.currentA, 10);
    assert.equal(s.limitAt(1, T0 + 20 * MIN, tx)?.currentA, 6);
  });

  it('refuses stack levels above ChargeProfileMaxStackLevel', () => {
    assert.equal(stack().install(1, profile(1, 6, 10), T0).status, 'Rejected');
  });

  it('turns a W limit into A per phase with the period numberPhases', () => {
    const s = stack();
    const watts = profile(1, 0, 2300, {}, 'W');
    assert.equal(s.install(1, watts, T0).status, 'Accepted');
    assert.equal(s.limitAt(1, T0, tx)?.currentA, 2300 / (3 * 230));
    const onePhase = profile(1, 0, 2300, {}, 'W');
    onePhase.chargingSchedule.chargingSchedulePeriod = [{ startPeriod: 0, limit: 2300, numberPhases: 1 }];
    s.install(1, onePhase, T0);
    assert.deepEqual(s.limitAt(1, T0, tx), { currentA: 10, numberPhases: 1 });
  });

  it('runs Relative schedules from the transaction start and Recurring ones every day', () => {
    const s = stack();
    const relative = profile(1, 1, 8, { chargingProfileKind: 'Relative' });
    relative.chargingSchedule = { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 8 }, { startPeriod: 3600, limit: 16 }] };
    s.install(1, relative, T0);
    assert.equal(s.limitAt(1, T0 + 30 * MIN, tx)?.currentA, 8);
    assert.equal(s.limitAt(1, T0 + 61 * MIN, tx)?.currentA, 16);
    const night = profile(2, 2, 6, { chargingProfileKind: 'Recurring', recurrencyKind: 'Daily' });
    night.chargingSchedule = { startSchedule: iso(Date.UTC(2026, 0, 1, 22)), duration: 8 * 3600, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] };
    s.install(1, night, T0);
    assert.equal(s.limitAt(1, Date.UTC(2026, 5, 21, 23), tx)?.currentA, 6, 'in the nightly window');
    assert.equal(s.limitAt(1, Date.UTC(2026, 5, 22, 5), tx)?.currentA, 6, 'past midnight, before the 8 h end');
    assert.equal(s.limitAt(1, Date.UTC(2026, 5, 22, 7), tx)?.currentA, 16, 'after it');
    assert.equal(s.limitAt(1, T0 + 30 * MIN, tx)?.currentA, 8, 'outside it the Relative profile applies');
  });

  it('clears by id or by criteria', () => {
    const s = stack();
    s.install(1, profile(1, 0, 6), T0);
    s.install(1, profile(2, 1, 10), T0);
    assert.equal(s.clear({ id: 5 }), false);
    assert.equal(s.clear({ id: 2 }), true);
    assert.equal(s.limitAt(1, T0, tx)?.currentA, 6);
    assert.equal(s.clear({ purpose: 'TxDefaultProfile' }), true);
    assert.equal(s.size, 0);
  });

  it('builds a composite schedule from the change points', () => {
    const s = stack();
    s.install(1, profile(1, 0, 6), T0);
    s.install(1, profile(2, 1, 16, { validTo: iso(T0 + 10 * MIN) }), T0);
    assert.deepEqual(s.compositeSchedule(1, T0, 3600, 'A', 32, tx), [
      { startPeriod: 0, limit: 16 },
      { startPeriod: 600, limit: 6 },
    ]);
    assert.deepEqual(s.compositeSchedule(1, T0, 3600, 'W', 10, tx), [{ startPeriod: 0, limit: 6900 }, { startPeriod: 600, limit: 4140 }]);
  });
});
