import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSunplug, type RunningSunplug } from '../../src/main.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { SimulatedChargePoint } from '../../src/sim/ocpp-charge-point.ts';
import { validateConfig } from '../../src/store/config-file.ts';
import { waitForRequest } from './ocpp-test-kit.ts';

/** Cards, local list, remote start and a firmware update through the whole composition root (main.ts). */
describe('cards and charger actions through Sunplug', () => {
  const clock = new FakeClock();
  const config = validateConfig({
    site: { name: 'Test home', mainFuseA: 25, safeCurrentA: 6 },
    chargers: [{ id: 'garage', name: 'Garage', password: 'garage-password-1234' }],
    ocpp: { port: 0, host: '127.0.0.1', authorization: 'known-cards' },
    http: { port: 0, host: '127.0.0.1' },
  });
  let dataDir: string;
  let sunplug: RunningSunplug;
  let cp: SimulatedChargePoint;
  const api = async (path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`http://127.0.0.1:${sunplug.httpPort}${path}`, {
      method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sunplug-cards-main-'));
    sunplug = await startSunplug({ config, dataDir, clock, logger: silentLogger(), demo: false, authentication: 'off' });
  });

  after(async () => {
    await cp?.stop();
    await sunplug.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses every card in known-cards mode until the card is added; the wallbox then holds it in its local list', async () => {
    assert.equal((await api('/api/v1/cards')).body.onlyKnownCards, true);
    cp = new SimulatedChargePoint({ id: 'garage', url: sunplug.ocppUrl, clock, voltageV: 230, password: 'garage-password-1234', autoStart: false });
    const firstList = waitForRequest(cp, 'SendLocalList');
    await cp.start();
    await firstList;
    await cp.plugIn();
    assert.equal(await cp.presentCard('FAMILY01'), 'Invalid');
    const unknown = (await api('/api/v1/cards')).body.unknown;
    assert.equal(unknown[0].idTag, 'FAMILY01');
    const synced = waitForRequest(cp, 'SendLocalList');
    assert.equal((await api('/api/v1/cards', 'POST', { idTag: unknown[0].idTag, name: 'Blue tag', owner: 'Ana' })).status, 201);
    await synced;
    assert.equal(cp.maintenance.lookup('FAMILY01'), 'Accepted');
    assert.equal(await cp.presentCard('FAMILY01'), 'Accepted');
    assert.equal((await api('/api/v1/chargers/garage/stop', 'POST', {})).body.status, 'Accepted');
  });

  it('serves a firmware file to the wallbox on Sunplug\'s own HTTP port', async () => {
    const image = Buffer.from('garage firmware\n'.repeat(100));
    const upload = await fetch(`http://127.0.0.1:${sunplug.httpPort}/api/v1/firmware?name=garage.bin`, {
      method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(image),
    });
    const file = await upload.json() as { id: string; sha256: string };
    const job = await api('/api/v1/chargers/garage/firmware', 'POST', { file: file.id });
    assert.equal(job.status, 201);
    await cp.maintenance.settled();
    assert.match(cp.maintenance.downloads[0]?.url ?? '', new RegExp(`^http://127\\.0\\.0\\.1:${sunplug.httpPort}/files/firmware/`));
    assert.equal(cp.maintenance.downloads[0]?.sha256, createHash('sha256').update(image).digest('hex'));
    assert.equal((await api('/api/v1/chargers/garage/jobs')).body[0].status, 'Installed');
  });
});
