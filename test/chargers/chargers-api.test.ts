import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChargerListing } from '../../src/chargers/admission/charger-directory.ts';
import type { OcppLogEntry } from '../../src/chargers/message-log.ts';
import type { SiteStateView } from '../../src/control/site-state.ts';
import { startSunplug, type RunningSunplug } from '../../src/main.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { SimulatedChargePoint } from '../../src/sim/ocpp-charge-point.ts';
import { validateConfig } from '../../src/store/config-file.ts';
import { eventually } from '../support/eventually.ts';
import { capturingLogger } from './ocpp-test-kit.ts';

/**
 * Charger admission through the whole composition root: the HTTP API lists configured and pending chargers, approves
 * one (its password is shown once), approved chargers run with default settings and survive a restart, and the OCPP
 * message log is readable per charger. Sunplug on ephemeral ports, simulated wallboxes on a fake clock.
 */

const GARAGE_PASSWORD = 'garage-password-1234';

function configFor(ocpp: Record<string, unknown> = {}): ReturnType<typeof validateConfig> {
  return validateConfig({
    site: { name: 'Test home', mainFuseA: 25, safeCurrentA: 6 },
    chargers: [{ id: 'garage', name: 'Garage', password: GARAGE_PASSWORD }],
    ocpp: { port: 0, host: '127.0.0.1', ...ocpp },
    http: { port: 0, host: '127.0.0.1' },
  });
}

describe('the chargers API (admission, approval, OCPP log)', () => {
  const clock = new FakeClock();
  const log = capturingLogger();
  const sims: SimulatedChargePoint[] = [];
  let dataDir: string;
  let sunplug: RunningSunplug;
  let base: string;
  let visitorPassword = '';

  const get = async <T>(path: string): Promise<{ status: number; body: T; headers: Headers }> => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: await response.json() as T, headers: response.headers };
  };
  const post = async <T>(path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: await response.json() as T, headers: response.headers };
  };
  const simulated = (id: string, password?: string): SimulatedChargePoint => {
    const sim = new SimulatedChargePoint({
      id, url: sunplug.ocppUrl, clock, voltageV: 230, vendor: 'Acme', model: 'Box 22', reconnectDelayMs: 50, ...(password !== undefined ? { password } : {}),
    });
    sims.push(sim);
    return sim;
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sunplug-chargers-api-'));
    sunplug = await startSunplug({ config: configFor(), dataDir, clock, logger: log.logger, demo: false, authentication: 'off' });
    base = `http://127.0.0.1:${sunplug.httpPort}`;
  });

  after(async () => {
    for (const sim of sims) await sim.stop();
    await sunplug.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists the configured chargers with the security profile (1 unless configured otherwise)', async () => {
    const { status, body } = await get<ChargerListing>('/api/v1/chargers');
    assert.equal(status, 200);
    assert.deepEqual(body.security, { profile: 1, insecure: false, warning: null });
    assert.equal(body.unknownChargers, 'pending');
    assert.deepEqual(body.chargers.map((c) => [c.id, c.name, c.configured, c.admission, c.passwordSet, c.connected]), [['garage', 'Garage', true, 'configured', true, false]]);
  });

  it('shows an unknown charger as pending, with what it said in its BootNotification', async () => {
    void simulated('visitor').start().catch(() => 'stopped');
    const visitor = await eventually(async () => (await get<ChargerListing>('/api/v1/chargers')).body.chargers.find((c) => c.id === 'visitor' && c.vendor !== null), 'the visitor');
    assert.equal(visitor.admission, 'pending');
    assert.equal(visitor.waitingFor, 'approval');
    assert.deepEqual([visitor.vendor, visitor.model, visitor.connected, visitor.remoteAddress], ['Acme', 'Box 22', true, '127.0.0.1']);
    assert.equal(visitor.status, null, 'not controlled');
  });

  it('approves it once, answering its password (not cached) and refusing a second approval', async () => {
    assert.equal((await post('/api/v1/chargers/visitor/approve', { colour: 'red' })).status, 400);
    const unknown = await post<{ error: { code: string } }>('/api/v1/chargers/nobody/approve');
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'not_found']);
    const approved = await post<{ ok: boolean; id: string; password: string; username: string; status: string }>('/api/v1/chargers/visitor/approve');
    assert.equal(approved.status, 200);
    assert.equal(approved.headers.get('cache-control'), 'no-store');
    assert.deepEqual([approved.body.ok, approved.body.id, approved.body.username, approved.body.status], [true, 'visitor', 'visitor', 'approved']);
    visitorPassword = approved.body.password;
    assert.match(visitorPassword, /^[A-Za-z0-9]{24}$/);
    const again = await post<{ error: { code: string } }>('/api/v1/chargers/visitor/approve');
    assert.deepEqual([again.status, again.body.error.code], [409, 'already_approved']);
    const listed = (await get<ChargerListing>('/api/v1/chargers')).body;
    assert.ok(!JSON.stringify(listed).includes(visitorPassword), 'the listing never shows it');
  });

  it('an approved charger missing from the config file is controlled with the default settings', async () => {
    await sims[0]?.stop();
    await simulated('visitor', visitorPassword).start();
    const state = await eventually(async () => (await get<SiteStateView>('/api/v1/state')).body.chargers.find((c) => c.id === 'visitor' && c.connected), 'the visitor in the state');
    assert.deepEqual([state.mode, state.maxCurrentA, state.phases], ['solar', 16, 3]);
    const mode = await fetch(`${base}/api/v1/chargers/visitor/mode`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'fast' }) });
    assert.equal(mode.status, 200);
    const entry = (await get<ChargerListing>('/api/v1/chargers')).body.chargers.find((c) => c.id === 'visitor');
    assert.equal(entry?.smartCharging?.profiles?.mode, 'fail-safe');
    assert.equal(entry?.smartCharging?.profiles?.safeCurrentA, 6);
  });

  it('serves its OCPP log, newest first, without the password', async () => {
    const { status, body } = await get<OcppLogEntry[]>('/api/v1/chargers/visitor/ocpp-log?limit=5');
    assert.equal(status, 200);
    assert.equal(body.length, 5);
    assert.ok(body[0]!.atMs >= body[4]!.atMs);
    const all = await get<OcppLogEntry[]>('/api/v1/chargers/visitor/ocpp-log');
    assert.ok(all.body.some((e) => e.action === 'BootNotification' && (e.payload as { status?: string }).status === 'Pending'));
    assert.ok(all.body.some((e) => e.action === 'BootNotification' && (e.payload as { status?: string }).status === 'Accepted'));
    assert.ok(!JSON.stringify(all.body).includes(visitorPassword));
    assert.equal((await get('/api/v1/chargers/visitor/ocpp-log?limit=0')).status, 400);
    assert.equal((await get('/api/v1/chargers/nobody/ocpp-log')).status, 404);
    assert.ok(!JSON.stringify(log.lines).includes(visitorPassword), 'nor does any log line');
    assert.ok(!JSON.stringify(log.lines).includes(GARAGE_PASSWORD));
  });

  it('keeps the approval (and only the hash of the password) across a restart', async () => {
    for (const sim of sims.splice(0)) await sim.stop();
    await sunplug.close();
    const settings = await readFile(join(dataDir, 'settings.json'), 'utf8');
    assert.match(settings, /"passwordHash": "scrypt\$/);
    assert.ok(!settings.includes(visitorPassword));
    sunplug = await startSunplug({ config: configFor(), dataDir, clock, logger: log.logger, demo: false, authentication: 'off' });
    base = `http://127.0.0.1:${sunplug.httpPort}`;
    const entry = (await get<ChargerListing>('/api/v1/chargers')).body.chargers.find((c) => c.id === 'visitor');
    assert.deepEqual([entry?.admission, entry?.passwordSet, entry?.configured], ['approved', true, false]);
    await simulated('visitor', visitorPassword).start();
    assert.ok(sunplug.ocpp.adapterFor('visitor') !== undefined);
  });
});

describe('security profile 0 in the config file', () => {
  it('is logged as a warning and flagged in the chargers API', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sunplug-profile0-'));
    const log = capturingLogger();
    const sunplug = await startSunplug({ config: configFor({ securityProfile: 0 }), dataDir, clock: new FakeClock(), logger: log.logger, demo: false, authentication: 'off' });
    try {
      assert.ok(log.lines.some((l) => l.level === 40 && String(l.msg).includes('security profile 0')));
      const listing = await (await fetch(`http://127.0.0.1:${sunplug.httpPort}/api/v1/chargers`)).json() as ChargerListing;
      assert.equal(listing.security.profile, 0);
      assert.equal(listing.security.insecure, true);
    } finally {
      await sunplug.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
