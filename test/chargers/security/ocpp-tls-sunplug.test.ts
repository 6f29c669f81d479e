import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TlsConfigurationError } from '../../../src/chargers/security/tls-store.ts';
import { startSunplug, type RunningSunplug } from '../../../src/main.ts';
import { FakeClock } from '../../../src/platform/clock.ts';
import { silentLogger } from '../../../src/platform/logger.ts';
import { validateConfig } from '../../../src/store/config-file.ts';
import { iso, TestChargePoint } from '../ocpp201/test-charge-point.ts';

/**
 * Security profile 3 through the whole composition root: the installer fetches the CA and a charger certificate from
 * the HTTP API, the charger connects to wss:// with them, the plain ws:// port stays closed; and a broken installer
 * certificate stops Sunplug at start with a message naming the file.
 */

function configFor(ocpp: Record<string, unknown>): ReturnType<typeof validateConfig> {
  return validateConfig({
    site: { name: 'TLS home', mainFuseA: 25, safeCurrentA: 6 },
    chargers: [{ id: 'garage' }],
    ocpp: { port: 0, tlsPort: 0, host: '127.0.0.1', ...ocpp },
    http: { port: 0, host: '127.0.0.1' },
  });
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('security profile 3 in a running Sunplug', () => {
  const clock = new FakeClock();
  let dataDir: string;
  let sunplug: RunningSunplug;
  let base: string;
  let plainPort: number;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sunplug-tls-e2e-'));
    plainPort = await freePort();
    sunplug = await startSunplug({
      config: configFor({ securityProfile: 3, port: plainPort }), dataDir, clock, logger: silentLogger(), demo: false, authentication: 'off',
    });
    base = `http://127.0.0.1:${sunplug.httpPort}`;
  });

  after(async () => {
    await sunplug.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves wss:// only: the plain port is closed', async () => {
    assert.match(sunplug.ocppUrl, /^wss:\/\/127\.0\.0\.1:\d+\/ocpp$/);
    await assert.rejects(fetch(`http://127.0.0.1:${plainPort}/ocpp/garage`), 'nothing listens on ocpp.port under profile 3');
  });

  it('hands out the CA and a charger certificate (shown once, not cached) that the charger connects with', async () => {
    const caResponse = await fetch(`${base}/api/v1/ocpp/ca.pem`);
    assert.equal(caResponse.status, 200);
    const caPem = await caResponse.text();
    assert.match(caPem, /^-----BEGIN CERTIFICATE-----/);

    const issued = await fetch(`${base}/api/v1/chargers/garage/certificate`, { method: 'POST' });
    assert.equal(issued.status, 201);
    assert.equal(issued.headers.get('cache-control'), 'no-store');
    const body = await issued.json() as { chargerId: string; certificatePem: string; privateKeyPem: string; caPem: string; notAfter: string };
    assert.equal(body.chargerId, 'garage');
    assert.equal(body.caPem, caPem);
    assert.match(body.privateKeyPem, /PRIVATE KEY/);

    const cp = await TestChargePoint.connect({
      url: sunplug.ocppUrl, id: 'garage', clock, wsOptions: { ca: caPem, cert: body.certificatePem, key: body.privateKeyPem },
    });
    assert.equal((await cp.boot()).status, 'Accepted');

    // A security event is listed for the installer and shown as a warning in the state.
    await cp.call('SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: iso(clock.nowMs()), techInfo: 'cover open' });
    const events = await (await fetch(`${base}/api/v1/chargers/garage/events`)).json() as { events: Array<{ type: string; attention: boolean }> };
    assert.deepEqual(events.events.map((e) => [e.type, e.attention]), [['TamperDetectionActivated', true]]);
    const state = await (await fetch(`${base}/api/v1/state`)).json() as { chargers: Array<{ id: string; securityWarning: string | null }> };
    assert.equal(state.chargers.find((c) => c.id === 'garage')?.securityWarning, 'Security: tampering detected at the charger (cover open)');
    const inventory = await (await fetch(`${base}/api/v1/chargers/garage/inventory`)).json() as { protocol: string; vendor: string; source: string };
    assert.deepEqual([inventory.protocol, inventory.vendor, inventory.source], ['ocpp2.0.1', 'Sunplug Test', 'device-model']);
    assert.equal((await fetch(`${base}/api/v1/chargers/nobody/events`)).status, 404);
    assert.deepEqual(cp.violations, []);
    await cp.close();
  });

  it('answers certificate requests for unknown chargers and bad ids with clear errors', async () => {
    const unknown = await fetch(`${base}/api/v1/chargers/nobody/certificate`, { method: 'POST' });
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json() as { error: { code: string } }).error.code, 'not_found');
    const bad = await fetch(`${base}/api/v1/chargers/${encodeURIComponent('a b')}/certificate`, { method: 'POST' });
    assert.equal(bad.status, 400);
  });
});

describe('TLS settings at start', () => {
  it('refuses to start with a broken installer certificate, naming the file', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sunplug-tls-broken-'));
    try {
      const certFile = join(dataDir, 'server.crt');
      const keyFile = join(dataDir, 'server.key');
      await writeFile(certFile, 'this is not a certificate');
      await writeFile(keyFile, 'nor a key');
      await assert.rejects(
        startSunplug({ config: configFor({ securityProfile: 2, tls: { certFile, keyFile } }), dataDir, clock: new FakeClock(), logger: silentLogger(), demo: false, authentication: 'off' }),
        (error: unknown) => error instanceof TlsConfigurationError && error.message.includes(certFile),
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('answers the certificate routes with 409/404 when OCPP runs without TLS', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sunplug-tls-none-'));
    const sunplug = await startSunplug({ config: configFor({}), dataDir, clock: new FakeClock(), logger: silentLogger(), demo: false, authentication: 'off' });
    try {
      const base = `http://127.0.0.1:${sunplug.httpPort}`;
      assert.equal((await fetch(`${base}/api/v1/ocpp/ca.pem`)).status, 404);
      const issued = await fetch(`${base}/api/v1/chargers/garage/certificate`, { method: 'POST' });
      assert.equal(issued.status, 409);
      assert.equal((await issued.json() as { error: { code: string } }).error.code, 'not_profile_3');
    } finally {
      await sunplug.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
