import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SiteStateView } from '../../src/control/site-state.ts';
import { validateConfig } from '../../src/store/config-file.ts';
import { startDemoStack } from './demo-stack.ts';

describe('a time-of-use tariff in the running stack', () => {
  it('shows the price now, and a solar charger with a price limit charges at full power in the cheap window', async () => {
    // Noon in Berlin is cheap in this tariff (a midday window); 3 kW of sun is not enough to start on surplus while the
    // oven runs, so only the price can start the car (and the oven's phase sets how much the fuse allows).
    const stack = await startDemoStack({
      pvW: 3000,
      configure: (config) => validateConfig({
        ...config,
        chargers: config.chargers.map((c) => ({ ...c, priceLimitPerKWh: 0.15 })),
        tariff: { kind: 'time-of-use', currency: 'EUR', basePricePerKWh: 0.35,
          windows: [{ name: 'midday', pricePerKWh: 0.12, days: ['weekdays', 'weekends'], from: '11:00', to: '15:00' }] },
      }),
    });
    try {
      await stack.runUntil(() => stack.sunplug.service.state().chargers[0]!.limitA !== null || undefined, 'a first limit', 30);
      await stack.runSeconds(15);
      const state = await (await fetch(`${stack.baseUrl}/api/v1/state`)).json() as SiteStateView;
      assert.equal(state.site.priceNowPerKWh, 0.12, JSON.stringify(state.chargers));
      assert.equal(state.site.currency, 'EUR');
      assert.equal(state.site.priceStatus, 'ok');
      assert.ok(['cheap-tariff', 'fuse-limit'].includes(state.chargers[0]!.reason!), JSON.stringify(state.chargers[0]));
      assert.ok(state.chargers[0]!.limitA! >= 6, `limit ${state.chargers[0]!.limitA} A`);
      assert.ok((stack.demo.wallbox?.offeredCurrentA ?? 0) >= 6, 'the wallbox offers it');
    } finally {
      await stack.close();
    }
  });
});
