import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplyResult, ChargerAdapter } from '../../src/chargers/charger-adapter.ts';
import { ControlLoop } from '../../src/control/control-loop.ts';
import { LimitWriter } from '../../src/control/limit-writer.ts';
import type { ChargeLimit } from '../../src/domain/charge-limit.ts';
import type { MeterReading } from '../../src/domain/meter-reading.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { charger, settings } from '../policy/policy-fixtures.ts';

/** A charger that accepts every limit and records it. */
function recordingCharger(clock: FakeClock): ChargerAdapter & { written: number[] } {
  const written: number[] = [];
  return {
    id: 'c1', written,
    snapshot: () => charger('c1', clock.nowMs(), written.at(-1) ?? 0),
    applyLimit: async (limit: ChargeLimit): Promise<ApplyResult> => {
      written.push(limit.currentA);
      return { outcome: 'applied' };
    },
    onStateChange: () => () => undefined,
    onTransaction: () => () => undefined,
  };
}

describe('control loop', () => {
  it('a raise held by the write rate limit leaves the policy believing the limit the charger really has', async () => {
    const clock = new FakeClock();
    const adapter = recordingCharger(clock);
    let gridA = 20;
    const loop = new ControlLoop({
      clock, logger: silentLogger(), tickMs: 1000, settings: () => settings([{ mode: 'fast' }]),
      latestReading: (role): MeterReading | undefined => role === 'grid'
        ? { atMs: clock.nowMs(), powerW: 0, phaseCurrentsA: [gridA + (adapter.written.at(-1) ?? 0), 1, 1] } : undefined,
      chargers: () => [adapter], writer: new LimitWriter({ deadBandA: 0.5, minIntervalMs: 60_000 }),
    });
    await loop.trigger('scheduled');
    // Home 20 A on L1 of a 25 A fuse with 1 A margin: nothing fits 6 A, the charger is paused.
    assert.equal(adapter.written.at(-1), 0);
    gridA = 5;
    await clock.advance(9000);
    await loop.trigger('scheduled');
    // The policy now wants 16 A, but the raise waits for the 60 s write interval: the charger is still at 0 A.
    assert.equal(loop.lastTick()!.decision.limits[0]!.currentA, 16);
    assert.equal(loop.lastTick()!.writes.get('c1')!.outcome, 'held');
    assert.equal(loop.policyState().chargers.c1!.limitA, 0);
  });

  it('a grid reading over the fuse limit runs a tick at once, and every charger gets its new limit in that tick', async () => {
    const clock = new FakeClock();
    const adapter = recordingCharger(clock);
    const reading: MeterReading = { atMs: clock.nowMs(), powerW: 0, phaseCurrentsA: [30, 1, 1] };
    const loop = new ControlLoop({
      clock, logger: silentLogger(), tickMs: 1000, settings: () => settings([{ mode: 'fast' }]),
      latestReading: (role) => (role === 'grid' ? reading : undefined),
      chargers: () => [adapter], writer: new LimitWriter(),
    });
    loop.onGridReading(reading);
    await loop.trigger('scheduled');
    assert.equal(loop.decisionLog.list().at(-1)?.trigger, 'overload', 'the first decision came from the overload reading');
    assert.equal(adapter.written.length, 1);
  });
});
