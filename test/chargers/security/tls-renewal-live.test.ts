import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { OcppServer } from '../../../src/chargers/ocpp-server.ts';
import { certificateFacts, SERVER_CERT_LIFETIME_MS } from '../../../src/chargers/security/certificates.ts';
import { openOcppListeners, type OcppListeners } from '../../../src/chargers/security/ocpp-tls.ts';
import { TlsStore } from '../../../src/chargers/security/tls-store.ts';
import { FakeClock } from '../../../src/platform/clock.ts';
import { silentLogger } from '../../../src/platform/logger.ts';
import { eventually } from '../../support/eventually.ts';

/**
 * A running wss:// server renews its certificate by itself when fewer than 30 days remain (fake clock), and new
 * connections get the new one without a restart; the plain port is not opened under profile 2.
 */

/** The fingerprint of the certificate the server presents now (not verified: the fake clock is years ahead). */
async function presentedFingerprint(port: number): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  const fingerprint = socket.getPeerCertificate().fingerprint256;
  socket.destroy();
  return fingerprint;
}

describe('server certificate renewal while running', () => {
  const clock = new FakeClock();
  let dir: string;
  let server: OcppServer;
  let listeners: OcppListeners;
  let store: TlsStore;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sunplug-tls-live-'));
    const logger = silentLogger();
    store = await TlsStore.open({ dataDir: dir, clock, logger, localNames: () => ({ dnsNames: [], ipAddresses: [] }) });
    server = new OcppServer({ clock, logger, voltageV: 230, admit: () => 'reject', requireTls: true });
    listeners = await openOcppListeners(server, { securityProfile: 2, host: '127.0.0.1', port: 0, tlsPort: 0 }, store, { clock, logger });
  });

  after(async () => {
    listeners.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on wss:// only', () => {
    assert.match(listeners.url, /^wss:\/\//);
  });

  it('presents a renewed certificate to new connections once fewer than 30 days remain', async () => {
    const first = await presentedFingerprint(listeners.port);
    assert.equal(first, certificateFacts(store.current.certPem).fingerprint256);
    await clock.advance(SERVER_CERT_LIFETIME_MS - 40 * 86_400_000);
    assert.equal(await presentedFingerprint(listeners.port), first, '40 days left: unchanged');
    await clock.advance(15 * 86_400_000);
    const renewed = await eventually(async () => {
      const now = await presentedFingerprint(listeners.port);
      return now !== first && now;
    }, 'the renewed certificate');
    assert.equal(renewed, certificateFacts(store.current.certPem).fingerprint256);
    assert.ok(store.current.serverNotAfterMs > clock.nowMs() + SERVER_CERT_LIFETIME_MS - 31 * 86_400_000, "valid for two more years");
  });
});
