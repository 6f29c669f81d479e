import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/platform/logger.ts';
import { validateConfig } from '../../src/store/config-file.ts';
import { RuntimeSettings } from '../../src/store/runtime-settings.ts';
import { SettingsRejected, SiteSettings, type OverridesStore, type SettingsOverrides } from '../../src/store/site-settings.ts';

const config = validateConfig({
  site: { mainFuseA: 25, gridMeter: 'grid' },
  meters: [{ id: 'grid', role: 'grid', device: 'sunspec', modbus: { host: '192.0.2.1' } }],
  chargers: [{ id: 'garage', maxCurrentA: 16 }],
  circuits: [{ id: 'carport', maxCurrentA: 20 }],
});

function memoryStore(initial: SettingsOverrides = {}): OverridesStore & { writes: number } {
  let overrides = structuredClone(initial);
  return {
    writes: 0,
    overrides: () => overrides,
    async saveOverrides(next) {
      this.writes++;
      overrides = structuredClone(next);
    },
  };
}

describe('site settings over the config file', () => {
  it('leaves out, at start, saved settings that no longer fit a changed config file, and reports them', () => {
    // Saved when the file had a circuit "garage-breaker"; the file no longer has it.
    const store = memoryStore({ site: { mainFuseA: 32 }, chargers: { garage: { circuit: 'garage-breaker', maxCurrentA: 10 } } });
    const settings = new SiteSettings({ config, store, logger: silentLogger() });
    assert.equal(settings.effective().site.mainFuseA, 32, 'the site settings still apply');
    assert.equal(settings.effective().chargers[0]!.maxCurrentA, 16, 'the charger settings are left out as a whole');
    assert.deepEqual(settings.view().ignored.map((i) => i.section), ['chargers']);
    assert.match(settings.view().ignored[0]!.message, /chargers\.garage\.circuit: no circuit/);
  });

  it('applies settings to chargers approved outside the config file, validated as if the file listed them', async () => {
    const store = memoryStore();
    const settings = new SiteSettings({ config, store, logger: silentLogger(), extraChargerIds: () => ['visitor'] });
    assert.deepEqual(settings.chargers().map((c) => [c.id, c.maxCurrentA]), [['garage', 16], ['visitor', 16]]);
    await settings.patchCharger('visitor', { maxCurrentA: 11, circuit: 'carport' });
    assert.deepEqual(settings.chargers().map((c) => [c.id, c.maxCurrentA, c.circuit]), [['garage', 16, undefined], ['visitor', 11, 'carport']]);
    await assert.rejects(settings.patchCharger('visitor', { circuit: 'nowhere' }), (error: unknown) =>
      error instanceof SettingsRejected && error.fields['chargers.visitor.circuit'] === 'no circuit with id "nowhere"');
    assert.equal(await settings.patchCharger('stranger', { maxCurrentA: 10 }), undefined);
  });

  it('saves changes one at a time: two quick saves both survive', async () => {
    const store = memoryStore();
    const settings = new SiteSettings({ config, store, logger: silentLogger() });
    await Promise.all([settings.patchSite({ mainFuseA: 30 }), settings.patchSite({ safetyMarginA: 2 })]);
    assert.deepEqual(store.overrides().site, { mainFuseA: 30, safetyMarginA: 2 });
    assert.equal(store.writes, 2);
  });

  it('tells listeners which part changed, and nothing for a rejected change', async () => {
    const store = memoryStore();
    const settings = new SiteSettings({ config, store, logger: silentLogger() });
    const seen: string[][] = [];
    settings.onChange((sections) => { seen.push([...sections]); });
    await settings.putTariff({ kind: 'fixed', currency: 'EUR', pricePerKWh: 0.3 });
    await assert.rejects(settings.patchSite({ mainFuseA: 500 }), SettingsRejected);
    await settings.putTariff({ kind: 'none' });
    assert.deepEqual(seen, [['tariff'], ['tariff']]);
    assert.equal(settings.effective().tariff, undefined);
    assert.equal(store.overrides().tariff, null);
    assert.equal(store.writes, 2);
  });

  it('keeps the overrides in settings.json next to the modes and approvals, written by rename', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sunplug-settings-'));
    try {
      const runtime = await RuntimeSettings.open(dir, silentLogger(), 0);
      await runtime.setChargerMode('garage', 'fast');
      const settings = new SiteSettings({ config, store: runtime, logger: silentLogger() });
      await settings.patchSite({ mainFuseA: 35 });
      const saved = JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8'));
      assert.deepEqual(saved, { version: 1, chargers: { garage: { mode: 'fast' } }, overrides: { site: { mainFuseA: 35 } } });
      assert.deepEqual(await readdir(dir), ['settings.json'], 'no temp file left behind');
      const reopened = new SiteSettings({ config, store: await RuntimeSettings.open(dir, silentLogger(), 0), logger: silentLogger() });
      assert.equal(reopened.effective().site.mainFuseA, 35);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
