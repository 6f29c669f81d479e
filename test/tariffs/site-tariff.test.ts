import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeClock } from '../../src/platform/clock.ts';
import { loadConfigFile } from '../../src/store/config-file.ts';
import { createSiteTariff, type SiteTariffDependencies } from '../../src/tariffs/site-tariff.ts';
import { tariffConfigSchema } from '../../src/tariffs/tariff-config.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 2, 4, 12); // Wednesday 4 March 2026
const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

let server: Server;
let baseUrl: string;
let hits = 0;
let dataDir: string;

before(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ unix_seconds: [0, 1, 2, 3].map((i) => (T0 + i * H) / 1000), price: [100, 80, 60, 40], unit: 'EUR / MWh' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/price`;
  dataDir = await mkdtemp(join(tmpdir(), 'sunplug-tariff-'));
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dataDir, { recursive: true, force: true });
});

function deps(clock: FakeClock, timeZone = 'Europe/Berlin'): SiteTariffDependencies {
  return { timeZone, dataDir, clock, fetch: globalThis.fetch, readText: (path) => readFile(path, 'utf8') };
}

describe('site tariff from the config', () => {
  it('without a tariff: no prices, unavailable with the reason, feed-in earns nothing', () => {
    const tariff = createSiteTariff(undefined, deps(new FakeClock(T0)));
    const outlook = tariff.outlook(T0);
    assert.deepEqual(outlook.gridSlots, []);
    assert.equal(outlook.grid.status, 'unavailable');
    assert.equal(outlook.grid.error, 'no tariff configured');
    assert.equal(outlook.feedInSlots[0]!.pricePerKWh, 0);
  });

  it('fixed: one price over the whole horizon', () => {
    const tariff = createSiteTariff(tariffConfigSchema.parse({ kind: 'fixed', currency: 'EUR', pricePerKWh: 0.32 }), deps(new FakeClock(T0)));
    const outlook = tariff.outlook(T0, 24 * H);
    assert.deepEqual(outlook.gridSlots, [{ startMs: T0, endMs: T0 + 24 * H, pricePerKWh: 0.32 }]);
    assert.equal(outlook.grid.status, 'ok');
    assert.equal(outlook.currency, 'EUR');
  });

  it('time of use: the Tarifa Branca example in the site\'s zone, with its feed-in credit', async () => {
    const config = await loadConfigFile(`${CONFIG_DIR}example-tariff-brazil.yaml`);
    const tariff = createSiteTariff(config.tariff, deps(new FakeClock(T0), config.site.timezone));
    const outlook = tariff.outlook(T0, 24 * H);
    // 09:00 in São Paulo: fora de ponta until 16:30, then intermediário, ponta, intermediário, fora de ponta.
    assert.deepEqual(outlook.gridSlots.map((s) => s.pricePerKWh), [0.62, 0.93, 1.45, 0.93, 0.62]);
    assert.equal(outlook.gridSlots[1]!.startMs, T0 + 7.5 * H);
    assert.equal(outlook.feedInSlots[0]!.pricePerKWh, 0.45);
    assert.equal(outlook.grid.status, 'ok');
  });

  it('dynamic from a provider: market + fees + VAT, cached in the data directory; feed-in from the same fetch', async () => {
    const clock = new FakeClock(T0);
    const config = tariffConfigSchema.parse({
      kind: 'dynamic', currency: 'EUR',
      source: { type: 'provider', provider: 'energy-charts', url: baseUrl },
      surcharges: { feesPerKWh: 0.2, vatPct: 19 },
      feedIn: { kind: 'dynamic', source: { type: 'provider', provider: 'energy-charts', url: baseUrl }, surcharges: { feesPerKWh: -0.01 } },
    });
    const tariff = createSiteTariff(config, deps(clock));
    hits = 0;
    await tariff.refresh();
    assert.equal(hits, 1, 'grid and feed-in share one fetch');
    const outlook = tariff.outlook(T0, 24 * H);
    assert.deepEqual(outlook.gridSlots.map((s) => s.pricePerKWh.toFixed(4)), ['0.3570', '0.3332', '0.3094', '0.2856']);
    assert.deepEqual(outlook.feedInSlots.map((s) => s.pricePerKWh.toFixed(4)), ['0.0900', '0.0700', '0.0500', '0.0300']);
    assert.equal(outlook.grid.status, 'ok');
    assert.equal(outlook.grid.coveredUntilMs, T0 + 4 * H);
    const cached: unknown = JSON.parse(await readFile(join(dataDir, 'prices-grid.json'), 'utf8'));
    assert.equal((cached as { slots: unknown[] }).slots.length, 4);
    tariff.stop();
  });

  it('dynamic from a SMARD file, relative to the data directory', async () => {
    const clock = new FakeClock(Date.UTC(2024, 2, 31, 0));
    await copyFile(join(FIXTURES, 'smard', 'smard-de-2024-03-30-to-04-01.csv'), join(dataDir, 'smard.csv'));
    const config = tariffConfigSchema.parse({ kind: 'dynamic', currency: 'EUR', source: { type: 'file', path: 'smard.csv', format: 'smard-csv' } });
    const tariff = createSiteTariff(config, deps(clock));
    await tariff.start();
    await tariff.refresh();
    const outlook = tariff.outlook(clock.nowMs(), 48 * H);
    assert.equal(outlook.gridSlots.length, 46, 'from 01:00 on the short day to the end of the file');
    assert.equal(outlook.grid.status, 'ok');
    assert.equal(outlook.grid.coveredUntilMs, Date.UTC(2024, 3, 1, 22));
    tariff.stop();
  });

  it('the config rejects an unknown provider and a price file without a format', () => {
    assert.throws(() => tariffConfigSchema.parse({ kind: 'dynamic', currency: 'EUR', source: { type: 'provider', provider: 'tibber' } }));
    assert.throws(() => tariffConfigSchema.parse({ kind: 'dynamic', currency: 'EUR', source: { type: 'file', path: 'p.csv' } }));
    assert.throws(() => tariffConfigSchema.parse({ kind: 'fixed', currency: 'euro', pricePerKWh: 0.3 }), /ISO 4217/);
  });
});
