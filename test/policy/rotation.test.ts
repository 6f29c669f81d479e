import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChargerState } from '../../src/domain/charger-state.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { decide, INITIAL_POLICY_STATE, type PolicyState } from '../../src/policy/decide.ts';
import { grid, settings, T0 } from './policy-fixtures.ts';

const MIN = 60_000;
const STEP = 5_000;

/**
 * Chargers in fast mode behind a 25 A fuse (1 A margin) with a house drawing `houseA` on every phase; the cars follow
 * their limits within a step and report every step. Returns, per whole minute, which chargers have current.
 */
async function run(options: { chargers: { priority?: number }[]; houseA: number; minutes: number }): Promise<Map<number, string>> {
  const clock = new FakeClock(T0);
  const cfg = settings(options.chargers.map((c) => ({ mode: 'fast' as const, currentStepA: 1, priority: c.priority ?? 0 })));
  const ids = cfg.chargers.map((c) => c.id);
  const drawA = new Map(ids.map((id) => [id, 0]));
  let state: PolicyState = INITIAL_POLICY_STATE;
  const running = new Map<number, string>();
  while (clock.nowMs() < T0 + options.minutes * MIN) {
    const nowMs = clock.nowMs();
    const chargers: ChargerState[] = ids.map((id) => {
      const a = drawA.get(id)!;
      return { id, connected: true, status: a > 0 ? 'charging' : 'suspended-evse', vehicleConnected: true, powerW: a * 690,
        phaseCurrentsA: [a, a, a], measuredAtMs: nowMs - 1 };
    });
    const total = options.houseA + [...drawA.values()].reduce((x, y) => x + y, 0);
    const decision = decide({ nowMs, grid: grid(nowMs, total * 690, [total, total, total]), chargers }, state, cfg);
    state = decision.next;
    for (const l of decision.limits) drawA.set(l.chargerId, l.currentA);
    assert.ok(options.houseA + [...drawA.values()].reduce((x, y) => x + y, 0) <= 24 + 1e-9, `within the fuse at ${(nowMs - T0) / 1000} s`);
    const m = (nowMs - T0) / MIN;
    if (Number.isInteger(m)) running.set(m, ids.filter((id) => drawA.get(id)! > 0).join(',') || '-');
    await clock.advance(STEP);
  }
  return running;
}

describe('rotating who waits when the fuse cannot feed every charger', () => {
  it('hands the turn over every 15 minutes among equal priorities, one ramp at a time', async () => {
    // 24 A - 14 A of house = 10 A: one charger at its 6 A minimum, never two.
    const running = await run({ chargers: [{}, {}], houseA: 14, minutes: 50 });
    const rows: [number, string][] = [[1, 'c1'], [14, 'c1'], [16, 'c2'], [29, 'c2'], [31, 'c1'], [44, 'c1'], [46, 'c2']];
    for (const [minute, who] of rows) assert.equal(running.get(minute), who, `minute ${minute}`);
    // The handover pauses one charger before the other starts: no minute shows both.
    assert.ok([...running.values()].every((who) => !who.includes(',')));
  });

  it('rotates among the lower priority only: the higher priority keeps running', async () => {
    // 24 - 8 = 16 A: two chargers at 6 A at most; c1 has priority, c2 and c3 take turns.
    const running = await run({ chargers: [{ priority: 1 }, {}, {}], houseA: 8, minutes: 35 });
    const rows: [number, string][] = [[1, 'c1,c2'], [14, 'c1,c2'], [16, 'c1,c3'], [29, 'c1,c3'], [31, 'c1,c2']];
    for (const [minute, who] of rows) assert.equal(running.get(minute), who, `minute ${minute}`);
  });
});
