import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide, type PolicyState } from '../../src/policy/decide.ts';
import { charger, grid, settings, T0 } from './policy-fixtures.ts';

describe('escalation when a charger ignores its limit (safety model 2)', () => {
  it('lowers the limit, pauses, then asks to end the transaction, while a following charger is left alone', () => {
    const s = settings([{ mode: 'fast' }]);
    let state: PolicyState = { chargers: { c1: { solar: { enabled: false, targetA: 0 }, limitA: 16, limitChangedAtMs: T0 - 60_000 } } };
    const trace: [number, number, string, boolean][] = [];
    // The home draws 12 A on L1; the charger keeps drawing 16 A whatever it is told.
    for (let t = 0; t <= 40; t += 1) {
      const nowMs = T0 + t * 1000;
      const live = { ...charger('c1', nowMs, 16), transactionId: '7' };
      const d = decide({ nowMs, grid: grid(nowMs, 0, [28, 17, 17]), chargers: [live] }, state, s);
      const limit = d.limits[0]!;
      trace.push([t, limit.currentA, limit.reason, limit.stopTransaction ?? false]);
      state = d.next;
    }
    const at = (t: number) => trace[t]!;
    assert.deepEqual(at(0).slice(0, 3), [0, 12, 'fuse-limit'], 'first cut to what the fuse leaves');
    assert.deepEqual(at(5).slice(0, 2), [5, 12], 'no second cut while it settles');
    const steps = [...new Set(trace.map(([, a]) => a))];
    assert.deepEqual(steps, [12, 8, 0], 'each settle period without effect brings a lower limit, then a pause');
    const paused = trace.find(([, a]) => a === 0)!;
    assert.ok(paused[0] <= 20, `paused within 20 s (t=${paused[0]})`);
    const stop = trace.find(([, , , stopIt]) => stopIt);
    assert.ok(stop, 'the transaction is ended in the end');
    assert.equal(stop[2], 'not-following');
    assert.ok(stop[0] - paused[0] >= 8, 'only after the pause had time to settle');
  });

  it('a charger that follows is never escalated', () => {
    const s = settings([{ mode: 'fast' }]);
    let state: PolicyState = { chargers: { c1: { solar: { enabled: false, targetA: 0 }, limitA: 16, limitChangedAtMs: T0 - 60_000 } } };
    let drawA = 16;
    for (let t = 0; t <= 40; t += 1) {
      const nowMs = T0 + t * 1000;
      const d = decide({ nowMs, grid: grid(nowMs, 0, [12 + drawA, 1 + drawA, 1 + drawA]), chargers: [{ ...charger('c1', nowMs, drawA), transactionId: '7' }] }, state, s);
      assert.notEqual(d.limits[0]!.reason, 'not-following');
      assert.ok(!d.limits[0]!.stopTransaction);
      if (t >= 3) drawA = d.limits[0]!.currentA;
      state = d.next;
    }
    assert.equal(drawA, 12);
  });
});
