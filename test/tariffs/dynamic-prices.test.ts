import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../src/platform/clock.ts';
import { DynamicPriceSource } from '../../src/tariffs/dynamic-price-source.ts';
import { jsonFilePriceCache, memoryPriceCache } from '../../src/tariffs/price-cache.ts';
import { fileLoader, providerLoader, providerRequestUrl } from '../../src/tariffs/price-loaders.ts';

const H = 3_600_000;
const T0 = Date.UTC(2025, 5, 2, 10, 0); // 12:00 in Berlin

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A price provider on 127.0.0.1: each test sets what it answers. */
let server: Server;
let baseUrl: string;
let handler: Handler;
const requests: string[] = [];
const hanging = new Set<ServerResponse>();

before(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/price`;
});

after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests.length = 0;
});

/** Energy-Charts JSON with hourly prices (EUR/MWh) from `fromMs`. */
function energyCharts(fromMs: number, pricesPerMWh: readonly number[]): string {
  return JSON.stringify({
    license_info: 'CC BY 4.0 (creativecommons.org/licenses/by/4.0) from Bundesnetzagentur | SMARD.de',
    unix_seconds: pricesPerMWh.map((_, i) => (fromMs + i * H) / 1000),
    price: pricesPerMWh,
    unit: 'EUR / MWh',
    deprecated: false,
  });
}

function answer(status: number, body: string): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  };
}

function source(clock: FakeClock, options: { cache?: ReturnType<typeof memoryPriceCache> | ReturnType<typeof jsonFilePriceCache>; currency?: string } = {}): DynamicPriceSource {
  return new DynamicPriceSource({
    loader: providerLoader({ provider: 'energy-charts', url: baseUrl, fetch: globalThis.fetch }),
    clock,
    currency: options.currency ?? 'EUR',
    refreshMs: H,
    retryMs: 10 * 60_000,
    timeoutMs: 20_000,
    ...(options.cache ? { cache: options.cache } : {}),
  });
}

describe('dynamic prices from an HTTP provider', () => {
  it('asks for the current hour to 48 h ahead in the provider\'s query format', () => {
    assert.equal(providerRequestUrl({ provider: 'energy-charts', biddingZone: 'AT' }, T0 + 25 * 60_000),
      'https://api.energy-charts.info/price?bzn=AT&start=2025-06-02T10%3A00Z&end=2025-06-04T10%3A00Z');
    assert.equal(providerRequestUrl({ provider: 'awattar' }, T0),
      `https://api.awattar.de/v1/marketdata?start=${T0}&end=${T0 + 48 * H}`);
  });

  it('serves fetched prices (ok) and writes them to the cache', async () => {
    const clock = new FakeClock(T0);
    const cache = memoryPriceCache();
    handler = answer(200, energyCharts(T0, [100, 50, -10]));
    const prices = source(clock, { cache });
    const status = await prices.refresh();
    assert.deepEqual(status, { status: 'ok', fetchedAtMs: T0, coveredUntilMs: T0 + 3 * H });
    assert.deepEqual(prices.slots(T0, T0 + 24 * H).map((s) => s.pricePerKWh), [0.1, 0.05, -0.01]);
    assert.match(requests[0]!, /^\/price\?bzn=DE-LU&start=2025-06-02T10%3A00Z/);
    assert.deepEqual(cache.stored?.slots.length, 3);
    assert.equal(cache.stored?.source, baseUrl);
  });

  it('on HTTP 500 keeps serving the cached prices for their own hours only, then reports unavailable', async () => {
    const clock = new FakeClock(T0);
    handler = answer(200, energyCharts(T0, [100, 50, 20]));
    const prices = source(clock);
    await prices.refresh();
    handler = answer(500, '{"detail":"internal error"}');
    await clock.advance(H);
    const stale = await prices.refresh();
    assert.equal(stale.status, 'stale');
    assert.match(stale.error!, /answered HTTP 500/);
    assert.equal(stale.fetchedAtMs, T0, 'the prices are still those fetched at T0');
    assert.equal(stale.coveredUntilMs, T0 + 3 * H);
    // Asked for the next 24 h, it gives the two hours it knows and nothing after them: never extrapolated.
    assert.deepEqual(prices.slots(clock.nowMs(), clock.nowMs() + 24 * H).map((s) => [s.startMs - T0, s.endMs - T0]),
      [[H, 2 * H], [2 * H, 3 * H]]);

    await clock.advance(2 * H);
    const gone = await prices.refresh();
    assert.equal(gone.status, 'unavailable');
    assert.match(gone.error!, /HTTP 500/);
    assert.deepEqual(prices.slots(clock.nowMs(), clock.nowMs() + 24 * H), []);
  });

  it('reports malformed JSON with its line and keeps the state unavailable when nothing is cached', async () => {
    const clock = new FakeClock(T0);
    handler = answer(200, '{\n  "unix_seconds": [1717192800,\n  "price": [1]\n}');
    const status = await source(clock).refresh();
    assert.equal(status.status, 'unavailable');
    assert.match(status.error!, /^http:\/\/127\.0\.0\.1:\d+\/price: line 3, column \d+: malformed JSON/);
  });

  it('refuses a well-formed answer of the wrong shape with the path of the problem', async () => {
    const clock = new FakeClock(T0);
    handler = answer(200, JSON.stringify({ unix_seconds: [T0 / 1000], price: ['cheap'], unit: 'EUR / MWh' }));
    const status = await source(clock).refresh();
    assert.equal(status.status, 'unavailable');
    assert.match(status.error!, /price\.0\): .*expected number/);
  });

  it('refuses prices in another currency than the site\'s', async () => {
    const clock = new FakeClock(T0);
    handler = answer(200, energyCharts(T0, [100]));
    const status = await source(clock, { currency: 'BRL' }).refresh();
    assert.equal(status.status, 'unavailable');
    assert.match(status.error!, /prices are in EUR but the site currency is BRL/);
  });

  it('gives up on a provider that does not answer within the timeout (on the injected clock)', async () => {
    const clock = new FakeClock(T0);
    handler = (_req, res) => {
      hanging.add(res);
    };
    const prices = source(clock);
    const pending = prices.refresh();
    await clock.advance(20_000);
    const status = await pending;
    assert.equal(status.status, 'unavailable');
    assert.match(status.error!, /no answer within 20 s/);
  });

  it('refreshes on schedule: hourly after a success, every 10 min after a failure', async () => {
    const clock = new FakeClock(T0);
    handler = answer(200, energyCharts(T0, Array.from({ length: 48 }, () => 90)));
    const prices = source(clock);
    await prices.start();
    await clock.advance(0);
    await waitFor(() => requests.length === 1);
    await clock.advance(59 * 60_000);
    assert.equal(requests.length, 1, 'not before the hour is up');
    await clock.advance(60_000);
    await waitFor(() => requests.length === 2);
    handler = answer(503, 'down');
    await clock.advance(H);
    await waitFor(() => requests.length === 3);
    await waitFor(() => prices.status(clock.nowMs()).status === 'stale');
    await clock.advance(10 * 60_000);
    await waitFor(() => requests.length === 4);
    prices.stop();
    await clock.advance(3 * H);
    assert.equal(requests.length, 4, 'nothing after stop');
    assert.equal(clock.pendingTimers(), 0);
  });
});

describe('the price cache file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sunplug-prices-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('brings cached prices back after a restart without network, as stale, for their own hours', async () => {
    const file = join(dir, 'prices-grid.json');
    const clock = new FakeClock(T0);
    handler = answer(200, energyCharts(T0, [100, 50]));
    await source(clock, { cache: jsonFilePriceCache(file) }).refresh();
    const written: unknown = JSON.parse(await readFile(file, 'utf8'));
    assert.equal((written as { version: number }).version, 1);

    handler = answer(500, '');
    await clock.advance(30 * 60_000);
    const restarted = source(clock, { cache: jsonFilePriceCache(file) });
    await restarted.start();
    assert.equal(restarted.status(clock.nowMs()).status, 'stale');
    assert.deepEqual(restarted.slots(clock.nowMs(), clock.nowMs() + 24 * H).map((s) => s.pricePerKWh), [0.1, 0.05]);
    restarted.stop();
  });

  it('ignores a cache file that fails validation, and one written for another source', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, JSON.stringify({ version: 1, source: baseUrl, fetchedAtMs: T0, slots: [{ startMs: 2, endMs: 1, pricePerKWh: 0.1 }] }));
    assert.equal(await jsonFilePriceCache(file).read(baseUrl), undefined);
    await writeFile(file, '{"version":1,');
    assert.equal(await jsonFilePriceCache(file).read(baseUrl), undefined);
    await writeFile(file, JSON.stringify({ version: 1, source: 'https://elsewhere', fetchedAtMs: T0, slots: [] }));
    assert.equal(await jsonFilePriceCache(file).read(baseUrl), undefined);
    assert.equal(await jsonFilePriceCache(join(dir, 'missing.json')).read(baseUrl), undefined);
  });
});

describe('dynamic prices from a file', () => {
  it('reads the file on every refresh, and keeps the last good prices when it turns bad', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sunplug-price-file-'));
    try {
      const path = join(dir, 'prices.csv');
      await writeFile(path, 'start,end,pricePerKWh\n2025-06-02T10:00Z,2025-06-02T11:00Z,0.31\n');
      const clock = new FakeClock(T0);
      const prices = new DynamicPriceSource({
        loader: fileLoader({ path, format: 'sunplug-csv', readText: (p) => readFile(p, 'utf8') }),
        clock, currency: 'EUR', refreshMs: H, retryMs: H, timeoutMs: 10_000,
        surcharges: { feesPerKWh: 0.1, vatPct: 10 },
      });
      assert.equal((await prices.refresh()).status, 'ok');
      assert.equal(prices.slots(T0, T0 + H)[0]!.pricePerKWh.toFixed(3), '0.451', '(0.31 + 0.1) x 1.1');
      await writeFile(path, 'start,end,pricePerKWh\n2025-06-02T11:00Z,oops,0.31\n');
      const status = await prices.refresh();
      assert.equal(status.status, 'stale');
      assert.match(status.error!, /prices\.csv: line 2: end: "oops"/);
      await rm(path);
      assert.match((await prices.refresh()).error!, /cannot read the price file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Waits (in real time, briefly) for loopback I/O the fake clock does not control. */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'condition not reached');
}
