import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpApp } from '../../src/api/http-api.ts';
import { planRouter } from '../../src/api/routes/plan-routes.ts';
import type { SiteService } from '../../src/api/site-service.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { RuntimeSettings } from '../../src/store/runtime-settings.ts';

const NOW = Date.UTC(2026, 5, 22, 18, 0, 0);

describe('charging plan over HTTP', () => {
  let dir: string;
  let server: Server;
  let base: string;
  let settings: RuntimeSettings;
  const changes: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sunplug-plan-'));
    const clock = new FakeClock(NOW);
    settings = await RuntimeSettings.open(dir, silentLogger(), clock.nowMs());
    const app = createHttpApp({} as SiteService, silentLogger(), undefined, {
      routes: [planRouter({
        nowMs: () => clock.nowMs(),
        hasCharger: (id) => id === 'garage',
        plan: (id) => settings.chargerPlan(id),
        async setPlan(id, plan) {
          await settings.setChargerPlan(id, plan);
          changes.push(`${id}:${plan ? 'set' : 'cleared'}`);
        },
      })],
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  const put = (id: string, body: unknown): Promise<Response> => fetch(`${base}/api/v1/chargers/${id}/plan`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });

  it('stores a plan with an energy target, shows it and keeps it on disk', async () => {
    const res = await put('garage', { departure: '2026-06-23T07:30:00+02:00', energyWh: 20_000 });
    assert.equal(res.status, 200);
    const plan = await res.json();
    assert.deepEqual(plan, { departureAtMs: Date.UTC(2026, 5, 23, 5, 30), energyWh: 20_000, setAtMs: NOW });
    assert.deepEqual(await (await fetch(`${base}/api/v1/chargers/garage/plan`)).json(), plan);
    const file = JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8'));
    assert.deepEqual(file.chargers.garage.plan, plan);
  });

  it('takes a state-of-charge target instead', async () => {
    const res = await put('garage', { departure: '2026-06-23T05:00:00Z', socPercent: 80 });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).socPercent, 80);
  });

  it('clears the plan with DELETE', async () => {
    const res = await fetch(`${base}/api/v1/chargers/garage/plan`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal(settings.chargerPlan('garage'), undefined);
    assert.equal(await (await fetch(`${base}/api/v1/chargers/garage/plan`)).json(), null);
    assert.deepEqual(changes.slice(-1), ['garage:cleared']);
  });

  const bad: { name: string; id?: string; body: unknown; status: number; code: string; message: RegExp }[] = [
    { name: 'departure in the past', body: { departure: '2026-06-22T17:59:00Z', energyWh: 5000 }, status: 400, code: 'departure_in_past', message: /not in the future/ },
    { name: 'departure more than a week ahead', body: { departure: '2026-07-22T17:59:00Z', energyWh: 5000 }, status: 400, code: 'departure_too_far', message: /7 days/ },
    { name: 'neither target', body: { departure: '2026-06-23T05:00:00Z' }, status: 400, code: 'invalid_body', message: /exactly one target/ },
    { name: 'both targets', body: { departure: '2026-06-23T05:00:00Z', energyWh: 5000, socPercent: 80 }, status: 400, code: 'invalid_body', message: /exactly one target/ },
    { name: 'a departure without a zone', body: { departure: '2026-06-23 05:00', energyWh: 5000 }, status: 400, code: 'invalid_body', message: /departure: .*ISO 8601/ },
    { name: 'no departure', body: { energyWh: 5000 }, status: 400, code: 'invalid_body', message: /departure/ },
    { name: 'negative energy', body: { departure: '2026-06-23T05:00:00Z', energyWh: -1 }, status: 400, code: 'invalid_body', message: /energyWh must be > 0/ },
    { name: 'SoC above 100', body: { departure: '2026-06-23T05:00:00Z', socPercent: 120 }, status: 400, code: 'invalid_body', message: /socPercent must be at most 100/ },
    { name: 'an unknown key', body: { departure: '2026-06-23T05:00:00Z', energyWh: 5000, soc: 3 }, status: 400, code: 'invalid_body', message: /soc/ },
    { name: 'an unknown charger', id: 'nope', body: { departure: '2026-06-23T05:00:00Z', energyWh: 5000 }, status: 404, code: 'charger_not_found', message: /nope/ },
  ];
  for (const row of bad) {
    it(`refuses ${row.name} with ${row.status} and a message, changing nothing`, async () => {
      const before = changes.length;
      const res = await put(row.id ?? 'garage', row.body);
      assert.equal(res.status, row.status);
      const { error } = await res.json() as { error: { code: string; message: string } };
      assert.equal(error.code, row.code);
      assert.match(error.message, row.message);
      assert.equal(changes.length, before);
    });
  }
});
