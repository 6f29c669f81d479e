import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpApp } from '../../src/api/http-api.ts';
import { localIsoTime, sessionsExportRouter, sessionsCsv } from '../../src/api/routes/sessions-export.ts';
import { tariffRouter } from '../../src/api/routes/tariff-routes.ts';
import type { SiteService } from '../../src/api/site-service.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { openDatabase, type SqliteDatabase } from '../../src/store/database.ts';
import { SessionStore } from '../../src/store/session-store.ts';
import { createSiteTariff } from '../../src/tariffs/site-tariff.ts';
import { tariffConfigSchema } from '../../src/tariffs/tariff-config.ts';

const H = 3_600_000;
// 06:00 UTC on Monday 22 June 2026 = 08:00 in Berlin.
const NOW = Date.UTC(2026, 5, 22, 6, 0, 0);
const tariffConfig = tariffConfigSchema.parse({
  kind: 'time-of-use', currency: 'EUR', basePricePerKWh: 0.30,
  windows: [{ name: 'night', from: '22:00', to: '06:00', pricePerKWh: 0.12 }],
  feedIn: { kind: 'fixed', pricePerKWh: 0.08 },
});

/** Parses RFC 4180 text (quoted fields, doubled quotes, CRLF) into rows, to check the file as a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; } else cell += ch;
  }
  assert.equal(cell + row.join(''), '', 'the file ends with CRLF');
  return rows;
}

describe('sessions CSV export and tariff outlook over HTTP', () => {
  let dir: string;
  let db: SqliteDatabase;
  let server: Server;
  let base: string;
  let configured = true;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sunplug-export-'));
    db = openDatabase(dir);
    const clock = new FakeClock(NOW);
    const store = new SessionStore(db);
    const record = (chargerId: string, transactionId: string, idTag: string | undefined, startMs: number, hours: number, wh: number): void => {
      store.record({ kind: 'started', chargerId, transactionId, atMs: startMs, meterStartWh: 1000, ...(idTag !== undefined ? { idTag } : {}) });
      store.record({ kind: 'ended', chargerId, transactionId, atMs: startMs + hours * H, meterStopWh: 1000 + wh });
    };
    // Winter (CET, +01:00) and summer (CEST, +02:00) sessions, a hostile card id and one with a comma and quotes.
    record('garage', '1', 'CARD-1', Date.UTC(2026, 0, 15, 17, 30), 2, 7400);
    store.addToSession('garage', '1', { accountedWh: 7400, solarWh: 0, pricedWh: 7400, cost: 2.22, currency: 'EUR' });
    record('garage', '2', '=HYPERLINK("http://x","y")', Date.UTC(2026, 5, 20, 10, 0), 1.5, 11_000);
    store.addToSession('garage', '2', { accountedWh: 11_000, solarWh: 8250, pricedWh: 11_000, cost: 1.485, currency: 'EUR' });
    record('carport', '3', 'Ann, "the boss"', Date.UTC(2026, 5, 21, 9, 0), 1, 3000);
    record('carport', '4', undefined, Date.UTC(2026, 5, 21, 12, 0), 1, 0);
    // The card list: owners join the sessions by idTag (one owner written like a formula).
    const addCard = db.prepare(`INSERT INTO cards (id_tag, name, owner, status, created_at_ms, updated_at_ms) VALUES (?, ?, ?, 'accepted', 0, 0)`);
    addCard.run('CARD-1', 'Blue card', 'Ann');
    addCard.run('Ann, "the boss"', 'Key fob', '@boss');
    const tariff = createSiteTariff(tariffConfig, {
      timeZone: 'Europe/Berlin', dataDir: dir, clock, fetch: globalThis.fetch, readText: (p) => readFile(p, 'utf8'),
    });
    const service = { sessions: (q) => store.list(q) } as Partial<SiteService> as SiteService;
    const app = createHttpApp(service, silentLogger(), undefined, {
      routes: [
        sessionsExportRouter({
          sessions: (q) => store.list(q), timeZone: () => 'Europe/Berlin', nowMs: () => clock.nowMs(),
          chargerName: (id) => (id === 'garage' ? 'Garage' : '+Carport'),
        }),
        tariffRouter({ configured: () => configured, outlook: (n, h) => tariff.outlook(n, h), nowMs: () => clock.nowMs() }),
      ],
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('GET /api/v1/sessions carries the card\'s owner, solar share, solar energy, cost, currency and duration', async () => {
    const sessions = await (await fetch(`${base}/api/v1/sessions?chargerId=garage`)).json() as Record<string, unknown>[];
    assert.deepEqual(sessions.map((s) => [s.transactionId, s.owner, s.energyWh, s.solarWh, s.solarShare, s.cost, s.currency, s.durationMs]), [
      ['2', null, 11_000, 8250, 0.75, 1.485, 'EUR', 1.5 * H],
      ['1', 'Ann', 7400, 0, 0, 2.22, 'EUR', 2 * H],
    ]);
  });

  it('exports every session as an RFC 4180 attachment with local dates, quoting and formula-safe text', async () => {
    const response = await fetch(`${base}/api/v1/sessions.csv`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
    assert.equal(response.headers.get('content-disposition'), 'attachment; filename="sunplug-sessions-2026-06-22.csv"');
    const text = await response.text();
    assert.ok(text.includes('\r\n') && !/[^\r]\n/.test(text), 'every line ends with CRLF');
    assert.deepEqual(parseCsv(text), [
      ['date', 'charger', 'card', 'owner', 'kWh', 'cost', 'currency', 'solar share %', 'duration'],
      ['2026-06-21T14:00:00+02:00', "'+Carport", '', '', '0.000', '', '', '', '1:00:00'],
      ['2026-06-21T11:00:00+02:00', "'+Carport", 'Ann, "the boss"', "'@boss", '3.000', '', '', '', '1:00:00'],
      ['2026-06-20T12:00:00+02:00', 'Garage', `'=HYPERLINK("http://x","y")`, '', '11.000', '1.49', 'EUR', '75.0', '1:30:00'],
      ['2026-01-15T18:30:00+01:00', 'Garage', 'CARD-1', 'Ann', '7.400', '2.22', 'EUR', '0.0', '2:00:00'],
    ]);
  });

  it('applies the filters of /api/v1/sessions: charger, card, from and to', async () => {
    const rows = async (query: string): Promise<string[][]> => parseCsv(await (await fetch(`${base}/api/v1/sessions.csv?${query}`)).text()).slice(1);
    assert.deepEqual((await rows('chargerId=garage')).map((r) => r[2]), [`'=HYPERLINK("http://x","y")`, 'CARD-1']);
    assert.deepEqual((await rows(`idTag=${encodeURIComponent('Ann, "the boss"')}`)).map((r) => r[4]), ['3.000']);
    assert.deepEqual((await rows('from=2026-06-01T00:00:00Z&to=2026-06-21T00:00:00Z')).map((r) => r[0]), ['2026-06-20T12:00:00+02:00']);
    assert.deepEqual((await rows(`from=${Date.UTC(2026, 5, 21)}&limit=1`)).map((r) => r[0]), ['2026-06-21T14:00:00+02:00']);
  });

  it('answers bad queries with 400 and a message', async () => {
    for (const [query, pattern] of [
      ['from=yesterday', /from: expected an ISO 8601 time/],
      ['to=2026-01-01&from=2026-02-01', /"to" must be after "from"/],
      ['limit=0', /limit/],
      ['colour=blue', /colour|unrecognized/i],
    ] as const) {
      const response = await fetch(`${base}/api/v1/sessions.csv?${query}`);
      assert.equal(response.status, 400, query);
      const body = await response.json() as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'invalid_query');
      assert.match(body.error.message, pattern, query);
    }
  });

  it('GET /api/v1/tariff gives grid and feed-in prices for the next hours with the currency and status', async () => {
    const answer = await (await fetch(`${base}/api/v1/tariff?hours=24`)).json() as {
      atMs: number; configured: boolean; currency: string; hours: number;
      grid: { status: string; priceNowPerKWh: number; slots: { startMs: number; endMs: number; pricePerKWh: number }[] };
      feedIn: { status: string; priceNowPerKWh: number; slots: { pricePerKWh: number }[] };
    };
    assert.equal(answer.atMs, NOW);
    assert.equal(answer.configured, true);
    assert.equal(answer.currency, 'EUR');
    assert.equal(answer.grid.status, 'ok');
    assert.equal(answer.grid.priceNowPerKWh, 0.30);
    // 08:00-22:00 local at the base price, 22:00-06:00 at night, 06:00-08:00 base: covering exactly the 24 hours.
    assert.deepEqual(answer.grid.slots.map((s) => [(s.startMs - NOW) / H, (s.endMs - NOW) / H, s.pricePerKWh]), [
      [0, 14, 0.30], [14, 22, 0.12], [22, 24, 0.30],
    ]);
    assert.equal(answer.feedIn.priceNowPerKWh, 0.08);
    const short = await (await fetch(`${base}/api/v1/tariff`)).json() as { hours: number };
    assert.equal(short.hours, 24, '24 hours by default');
  });

  it('GET /api/v1/tariff rejects hours outside 1..168 and unknown parameters', async () => {
    for (const query of ['hours=0', 'hours=169', 'hours=abc', 'hours=1.5', 'days=2']) {
      const response = await fetch(`${base}/api/v1/tariff?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal((await response.json() as { error: { code: string } }).error.code, 'invalid_query');
    }
  });

  it('local ISO times carry the offset of the instant, on both sides of a DST change and south of the equator', () => {
    assert.equal(localIsoTime(Date.UTC(2026, 2, 29, 0, 59, 59), 'Europe/Berlin'), '2026-03-29T01:59:59+01:00');
    assert.equal(localIsoTime(Date.UTC(2026, 2, 29, 1, 0, 0), 'Europe/Berlin'), '2026-03-29T03:00:00+02:00');
    assert.equal(localIsoTime(Date.UTC(2026, 5, 21, 12, 0), 'America/Sao_Paulo'), '2026-06-21T09:00:00-03:00');
    assert.equal(localIsoTime(Date.UTC(2026, 5, 21, 12, 0), 'Asia/Kolkata'), '2026-06-21T17:30:00+05:30');
  });

  it('an empty export is just the header', () => {
    assert.equal(sessionsCsv([], { timeZone: 'UTC', chargerName: (id) => id }),
      'date,charger,card,owner,kWh,cost,currency,solar share %,duration\r\n');
  });
});
