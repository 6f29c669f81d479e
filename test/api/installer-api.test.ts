import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hashPassword } from '../../src/chargers/security/charger-password.ts';
import { interpretRegisters } from '../../src/api/routes/installer-routes.ts';
import { startDemoStack, type DemoStack } from '../e2e/demo-stack.ts';

const run = promisify(execFile);

interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from the API under test
}

describe('installer tools through the API', () => {
  let stack: DemoStack;
  let dataDir: string;
  let visitorHash: string;
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch { /* not JSON */ }
    return { status: response.status, headers: response.headers, body: parsed };
  };

  before(async () => {
    // An approved charger outside the config: its password hash lives in settings.json.
    dataDir = await mkdtemp(join(tmpdir(), 'sunplug-installer-'));
    visitorHash = await hashPassword('visitor-password-0123456789');
    await writeFile(join(dataDir, 'settings.json'), JSON.stringify({ version: 1, chargers: { visitor: { approvedAtMs: 1, passwordHash: visitorHash } } }));
    stack = await startDemoStack({ dataDir, pvW: 1500 });
    await stack.runSeconds(3);
  });
  after(async () => {
    await stack?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reads live registers of a meter through the running link: SunSpec marker, interpretations, clear errors', async () => {
    const answer = await call('GET', '/api/v1/devices/grid/registers?address=40000&count=4&function=3');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.unit, 240);
    const [first, second] = answer.body.registers;
    assert.equal(first.address, 40000);
    assert.equal(first.hex, '0x5375'); // "Su"
    assert.equal(second.hex, '0x6e53'); // "nS"
    assert.equal(first.uint32, 0x53756e53);
    assert.equal(answer.body.registers[3].uint32, null, 'the last register has no pair');
    assert.equal((await call('GET', '/api/v1/devices/grid/registers?address=40000&count=126')).status, 400);
    assert.equal((await call('GET', '/api/v1/devices/grid/registers?address=40000&function=6')).status, 400);
    assert.equal((await call('GET', '/api/v1/devices/nope/registers?address=0')).status, 404);
  });

  it('interprets words as int16, uint16, int32, uint32 and float32 (high word first)', () => {
    const [a, b] = interpretRegisters(100, [0xffff, 0xfffe, 0x4048, 0xf5c3]);
    assert.deepEqual([a!.int16, a!.uint16, a!.int32, a!.uint32], [-1, 65535, -2, 0xfffffffe]);
    assert.equal(b!.address, 101);
    const [, , c] = interpretRegisters(0, [0, 0, 0x4048, 0xf5c3]);
    assert.equal(c!.float32, 3.14);
  });

  it('rate-limits register reads', async () => {
    const statuses = await Promise.all(Array.from({ length: 8 }, () => call('GET', '/api/v1/devices/pv/registers?address=40000&count=2').then((a) => a.status)));
    assert.ok(statuses.includes(429), `expected a 429 among ${statuses.join(', ')}`);
    const limited = await call('GET', '/api/v1/devices/pv/registers?address=40000&count=2');
    if (limited.status === 429) assert.equal(limited.body.error.code, 'rate_limited');
  });

  it('lists device health', async () => {
    const health = (await call('GET', '/api/v1/devices/health')).body;
    assert.deepEqual(health.map((h: { id: string }) => h.id), ['grid', 'pv']);
    assert.ok(health[0].readCount > 0);
    assert.equal(health[0].stale, false);
  });

  it('filters the OCPP log by action, direction and text', async () => {
    const all = (await call('GET', '/api/v1/chargers/garage/ocpp-log')).body;
    assert.ok(all.length > 3);
    const boots = (await call('GET', '/api/v1/chargers/garage/ocpp-log?action=bootnotification&direction=in')).body;
    assert.ok(boots.length >= 1);
    assert.ok(boots.every((e: { action: string; direction: string }) => e.action === 'BootNotification' && e.direction === 'in'));
    const text = (await call('GET', '/api/v1/chargers/garage/ocpp-log?text=Sunplug%20Demo')).body;
    assert.ok(text.length >= 1 && text.every((e: unknown) => JSON.stringify(e).includes('Sunplug Demo')));
    assert.equal((await call('GET', '/api/v1/chargers/garage/ocpp-log?direction=sideways')).status, 400);
  });

  it('backs up config and settings as one file, and a restore brings the settings back (round trip)', async () => {
    const backup = await call('GET', '/api/v1/backup');
    assert.equal(backup.status, 200);
    assert.match(backup.headers.get('content-disposition') ?? '', /^attachment; filename="sunplug-backup-\d{8}-\d{4}\.json"$/);
    assert.equal(backup.body.format, 'sunplug-backup');
    assert.equal(backup.body.settings.chargers.visitor.passwordHash, visitorHash, 'a restore needs the hash');
    assert.equal(backup.body.config.site.mainFuseA, 25);

    assert.equal((await call('PATCH', '/api/v1/settings/site', { mainFuseA: 40 })).status, 200);
    assert.equal((await call('PATCH', '/api/v1/settings/chargers/garage', { name: 'Changed' })).status, 200);
    const restored = await call('POST', '/api/v1/restore', backup.body);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.deepEqual(restored.body.config, { changed: false, written: false });
    assert.deepEqual(restored.body.settings.changed, ['site settings', 'chargers settings']);
    assert.equal(restored.body.restartNeeded, false);
    const settings = (await call('GET', '/api/v1/settings')).body;
    assert.equal(settings.site.values.mainFuseA, 25);
    assert.equal(settings.chargers[0].values.name, 'Garage');
    assert.deepEqual(JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8')), backup.body.settings);
  });

  it('refuses a broken backup with the field paths and changes nothing', async () => {
    const backup = (await call('GET', '/api/v1/backup')).body;
    await call('PATCH', '/api/v1/settings/site', { safetyMarginA: 2 });
    const fileBefore = await readFile(join(dataDir, 'settings.json'), 'utf8');
    const broken = structuredClone(backup);
    broken.config.site.mainFuseA = 2;
    broken.settings.chargers.garage = { mode: 'warp' };
    const answer = await call('POST', '/api/v1/restore', broken);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'invalid_backup');
    assert.ok('config.site.mainFuseA' in answer.body.error.fields, JSON.stringify(answer.body.error.fields));
    assert.ok('settings.chargers.garage.mode' in answer.body.error.fields, JSON.stringify(answer.body.error.fields));
    // Overrides that would make the restored config invalid are caught before anything is written.
    const badOverride = structuredClone(backup);
    badOverride.settings.overrides = { site: { mainFuseA: 1000 } };
    const second = await call('POST', '/api/v1/restore', badOverride);
    assert.equal(second.status, 400);
    assert.ok('settings.overrides.site.mainFuseA' in second.body.error.fields, JSON.stringify(second.body.error.fields));
    assert.equal((await call('POST', '/api/v1/restore', { format: 'something-else' })).status, 400);
    assert.equal((await call('POST', '/api/v1/restore', '{not json')).status, 400);
    assert.equal(await readFile(join(dataDir, 'settings.json'), 'utf8'), fileBefore);
    assert.equal((await call('GET', '/api/v1/settings')).body.site.values.safetyMarginA, 2);
    await call('PATCH', '/api/v1/settings/site', { safetyMarginA: null });
  });

  it('builds a diagnostics bundle (.tar.gz) with state, health, decisions and OCPP logs, and no secrets in it', async () => {
    const response = await fetch(`${stack.baseUrl}/api/v1/diagnostics`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/gzip');
    assert.match(response.headers.get('content-disposition') ?? '', /sunplug-diagnostics-\d{8}-\d{4}\.tar\.gz/);
    const archive = Buffer.from(await response.arrayBuffer());
    const out = await mkdtemp(join(tmpdir(), 'sunplug-diag-'));
    try {
      await writeFile(join(out, 'bundle.tar.gz'), archive);
      await run('tar', ['-xzf', 'bundle.tar.gz'], { cwd: out });
      const root = join(out, 'sunplug-diagnostics');
      const files = (await readdir(root, { recursive: true })).sort();
      for (const expected of ['version.json', 'config-effective.json', 'state.json', 'meter-health.json', 'decisions.json', 'chargers.json', 'ocpp-log/garage.json']) {
        assert.ok(files.includes(expected), `${expected} in ${files.join(', ')}`);
      }
      const config = JSON.parse(await readFile(join(root, 'config-effective.json'), 'utf8'));
      assert.equal(config.site.mainFuseA, 25);
      assert.equal(config.chargers[0].password, '[redacted]');
      const ocpp = JSON.parse(await readFile(join(root, 'ocpp-log/garage.json'), 'utf8'));
      assert.ok(ocpp.length > 0);
      await mkdir(join(out, 'x'), { recursive: true });
      let everything = '';
      for (const file of files) if (file.endsWith('.json') || file.endsWith('.txt')) everything += await readFile(join(root, file), 'utf8');
      for (const secret of ['demo-wallbox-password', visitorHash, visitorHash.slice(-20), 'visitor-password-0123456789', 'passwordHash":"', 'scrypt$']) {
        assert.ok(!everything.includes(secret), `the bundle must not contain ${secret}`);
      }
      assert.doesNotMatch(everything, /"(password|token|secret|passwordHash)"\s*:\s*"(?!\[redacted\])/i);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
