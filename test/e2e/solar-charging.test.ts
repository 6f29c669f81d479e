import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SiteStateView } from '../../src/control/site-state.ts';
import { startDemoStack, type DemoStack } from './demo-stack.ts';

async function state(stack: DemoStack): Promise<SiteStateView> {
  const response = await fetch(`${stack.baseUrl}/api/v1/state`);
  assert.equal(response.status, 200);
  return await response.json() as SiteStateView;
}

describe('the demo stack end to end (simulated time)', () => {
  let stack: DemoStack;
  before(async () => {
    stack = await startDemoStack({ pvW: 1500 });
  });
  after(async () => {
    await stack?.close();
  });

  it('reads the simulated grid meter and inverter over Modbus and shows them in /api/v1/state', async () => {
    await stack.runSeconds(3);
    const s = await state(stack);
    assert.equal(s.demo, true);
    assert.equal(s.site.pvPowerW, 1500);
    assert.equal(s.site.gridStale, false);
    assert.ok(s.site.homePowerW !== null && s.site.homePowerW > 0, 'home consumption is known');
    // grid = home + car − PV, as the simulated meter reports it
    assert.ok(Math.abs(s.site.gridPowerW! - (s.site.homePowerW! + s.chargers[0]!.powerW - 1500)) < 5);
    const garage = s.chargers[0]!;
    assert.equal(garage.connected, true);
    assert.equal(garage.vehicleConnected, true);
    assert.equal(garage.mode, 'solar');
    assert.equal(garage.reason, 'solar-insufficient');
    assert.equal(garage.limitA, 0);
  });

  it('starts charging a minute after the sun comes out, and the limit follows a PV step', async () => {
    stack.demo.setPvOverrideW(9000);
    await stack.runSeconds(30);
    const waiting = await state(stack);
    assert.equal(waiting.chargers[0]!.reason, 'solar-waiting', JSON.stringify(await (await fetch(`${stack.baseUrl}/api/v1/decisions`)).json()));
    const started = await stack.runUntil(() => {
      const limit = stack.demo.wallbox?.offeredCurrentA ?? 0;
      return limit >= 6 ? limit : undefined;
    }, 'the wallbox offering current', 60);
    assert.ok(started >= 6);
    // Let the car and the next MeterValues settle; the limit converges on the surplus (about 9 kW − home).
    await stack.runSeconds(60);
    const sunny = await state(stack);
    const garage = sunny.chargers[0]!;
    assert.equal(garage.reason, 'solar-surplus');
    const expectedA = (9000 - sunny.site.homePowerW!) / (3 * 230);
    assert.ok(Math.abs(garage.limitA! - expectedA) < 1.5, `limit ${garage.limitA} A near the surplus ${expectedA.toFixed(1)} A`);
    assert.ok(Math.abs(sunny.site.gridPowerW!) < 1200, `grid ${sunny.site.gridPowerW} W close to zero while tracking the sun`);

    // A cloud: PV drops to 6.5 kW; the limit comes down to the new surplus.
    stack.demo.setPvOverrideW(6500);
    await stack.runSeconds(60);
    const cloudy = await state(stack);
    const lowerA = (6500 - cloudy.site.homePowerW!) / (3 * 230);
    assert.ok(cloudy.chargers[0]!.limitA! < garage.limitA!, 'the limit went down');
    assert.ok(Math.abs(cloudy.chargers[0]!.limitA! - lowerA) < 1.5, `limit ${cloudy.chargers[0]!.limitA} A near ${lowerA.toFixed(1)} A`);
    assert.ok(Math.abs(stack.demo.wallbox!.drawnCurrentA - cloudy.chargers[0]!.limitA!) < 0.6, 'the car follows the limit');
  });

  it('an appliance switched on one phase brings a fast-charging car down at the next grid reading, and the log says why', async () => {
    const put = await fetch(`${stack.baseUrl}/api/v1/chargers/garage/mode`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'fast' }),
    });
    assert.equal(put.status, 200);
    await stack.runUntil(() => (stack.demo.wallbox?.drawnCurrentA ?? 0) >= 15.9 || undefined, 'the car drawing 16 A', 30);
    stack.demo.setPvOverrideW(0);
    const switchedAtMs = stack.clock.nowMs();
    stack.demo.switchOn('kettle', 5 * 60_000);
    await stack.runUntil(() => (stack.demo.wallbox?.offeredCurrentA ?? 16) < 16 || undefined, 'the wallbox lowering its offer', 3);
    const cutAtMs = stack.clock.nowMs();
    assert.ok(cutAtMs - switchedAtMs <= 2000, `limit sent ${cutAtMs - switchedAtMs} ms after the load appeared`);
    const decisions = await (await fetch(`${stack.baseUrl}/api/v1/decisions?chargerId=garage&limit=5`)).json() as { reason: string; trigger: string; detail: string }[];
    assert.equal(decisions[0]!.reason, 'fuse-limit', JSON.stringify(decisions));
    assert.match(decisions[0]!.detail, /fuse headroom/);
    await stack.runSeconds(15);
    const l1 = stack.demo.gridPhaseCurrentsA()[0];
    assert.ok(l1 <= 24.05, `L1 back under the 25 A fuse less 1 A margin: ${l1.toFixed(1)} A`);
  });
});
