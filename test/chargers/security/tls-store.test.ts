import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CA_LIFETIME_MS, certificateFacts, createCertificateAuthority, isIssuedBy, issueServerCertificate, SERVER_CERT_LIFETIME_MS,
} from '../../../src/chargers/security/certificates.ts';
import { TlsConfigurationError, TlsStore } from '../../../src/chargers/security/tls-store.ts';
import { FakeClock } from '../../../src/platform/clock.ts';
import { silentLogger } from '../../../src/platform/logger.ts';

/**
 * The TLS material of security profiles 2 and 3: a local CA and server certificate generated on first start (keys
 * mode 0600, names of the gateway), kept across restarts, renewed near expiry on a fake clock, the installer's own
 * files used as given, and broken files refused with a message naming them.
 */

const DAY_MS = 86_400_000;
const localNames = (): { dnsNames: string[]; ipAddresses: string[] } => ({ dnsNames: ['sunplug-gw', 'sunplug-gw.local'], ipAddresses: ['192.168.1.20'] });

describe('the TLS store', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sunplug-tls-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates a CA and a server certificate naming the gateway, with private keys readable by the owner only', async () => {
    const clock = new FakeClock();
    const dataDir = join(dir, 'generated');
    const store = await TlsStore.open({ dataDir, clock, logger: silentLogger(), localNames, extraNames: ['ems.example.home', '10.0.0.7'] });
    const { certPem, caPem } = store.current;
    assert.ok(caPem !== undefined);
    const server = certificateFacts(certPem);
    assert.deepEqual(new Set(server.dnsNames), new Set(['localhost', 'sunplug-gw', 'sunplug-gw.local', 'ems.example.home']));
    assert.deepEqual(new Set(server.ipAddresses), new Set(['127.0.0.1', '192.168.1.20', '10.0.0.7']));
    assert.ok(isIssuedBy(certPem, caPem), 'the server certificate is signed by the CA');
    const ca = new X509Certificate(caPem);
    assert.equal(ca.ca, true);
    const caFacts = certificateFacts(caPem);
    assert.ok(Math.abs(caFacts.notAfterMs - (clock.nowMs() + CA_LIFETIME_MS)) < 2000, 'CA valid 10 years');
    assert.ok(Math.abs(server.notAfterMs - (clock.nowMs() + SERVER_CERT_LIFETIME_MS)) < 2000, 'server certificate valid 2 years');
    for (const key of ['ca.key.pem', 'server.key.pem']) {
      assert.equal((await stat(join(dataDir, 'tls', key))).mode & 0o777, 0o600, `${key} is mode 0600`);
    }
    assert.equal(store.canIssueClientCertificates, true);
  });

  it('keeps the same CA and server certificate across restarts', async () => {
    const clock = new FakeClock();
    const dataDir = join(dir, 'restart');
    const first = await TlsStore.open({ dataDir, clock, logger: silentLogger(), localNames });
    const second = await TlsStore.open({ dataDir, clock, logger: silentLogger(), localNames });
    assert.equal(second.current.caPem, first.current.caPem);
    assert.equal(second.current.certPem, first.current.certPem);
  });

  it('renews the server certificate when fewer than 30 days remain, under the same CA', async () => {
    const clock = new FakeClock();
    const dataDir = join(dir, 'renewal');
    const store = await TlsStore.open({ dataDir, clock, logger: silentLogger(), localNames });
    const before = store.current;
    await clock.advance(SERVER_CERT_LIFETIME_MS - 31 * DAY_MS);
    assert.equal(await store.renewIfDue(), false, 'a month and a day left: not yet');
    await clock.advance(2 * DAY_MS);
    assert.equal(await store.renewIfDue(), true, '29 days left: renewed');
    const after = store.current;
    assert.notEqual(after.certPem, before.certPem);
    assert.equal(after.caPem, before.caPem, 'wallboxes keep trusting the same CA');
    assert.ok(isIssuedBy(after.certPem, before.caPem ?? ''));
    assert.ok(after.serverNotAfterMs > clock.nowMs() + SERVER_CERT_LIFETIME_MS - 2 * DAY_MS);
    const reopened = await TlsStore.open({ dataDir, clock, logger: silentLogger(), localNames });
    assert.equal(reopened.current.certPem, after.certPem, 'the renewed certificate was saved');
  });

  it('issues the server certificate anew when the gateway gets a new address', async () => {
    const clock = new FakeClock();
    const dataDir = join(dir, 'new-address');
    const first = await TlsStore.open({ dataDir, clock, logger: silentLogger(), localNames });
    const moved = await TlsStore.open({ dataDir, clock, logger: silentLogger(), localNames: () => ({ dnsNames: ['sunplug-gw'], ipAddresses: ['192.168.1.99'] }) });
    assert.notEqual(moved.current.certPem, first.current.certPem);
    assert.ok(certificateFacts(moved.current.certPem).ipAddresses.includes('192.168.1.99'));
    assert.equal(moved.current.caPem, first.current.caPem);
  });

  it("uses the installer's certificate, key and CA as given and cannot issue charger certificates", async () => {
    const clock = new FakeClock();
    const ca = await createCertificateAuthority(clock.nowMs(), 'Installer CA');
    const server = await issueServerCertificate(ca, clock.nowMs(), { dnsNames: ['wallbox-gw.example'], ipAddresses: [] });
    const files = { certFile: join(dir, 'installer.crt'), keyFile: join(dir, 'installer.key'), caFile: join(dir, 'installer-ca.crt') };
    await writeFile(files.certFile, server.certPem);
    await writeFile(files.keyFile, server.keyPem, { mode: 0o600 });
    await writeFile(files.caFile, ca.certPem);
    const dataDir = join(dir, 'installer');
    const store = await TlsStore.open({ dataDir, clock, logger: silentLogger(), files });
    assert.equal(store.current.certPem, server.certPem);
    assert.equal(store.current.caPem, ca.certPem);
    assert.equal(store.canIssueClientCertificates, false);
    await assert.rejects(store.issueClientCertificate('garage'), TlsConfigurationError);
    await clock.advance(SERVER_CERT_LIFETIME_MS);
    assert.equal(await store.renewIfDue(), false, 'never replaced by Sunplug');
    await assert.rejects(readFile(join(dataDir, 'tls', 'ca.key.pem')), 'no CA of its own was generated');
  });

  it('refuses a broken or mismatched installer file with a message naming it', async () => {
    const clock = new FakeClock();
    const ca = await createCertificateAuthority(clock.nowMs(), 'Installer CA');
    const broken = join(dir, 'broken.crt');
    const keyFile = join(dir, 'ca.key');
    await writeFile(broken, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    await writeFile(keyFile, ca.keyPem);
    const open = (certFile: string): Promise<TlsStore> => TlsStore.open({ dataDir: join(dir, 'x'), clock, logger: silentLogger(), files: { certFile, keyFile } });
    await assert.rejects(open(broken), (error: unknown) => error instanceof TlsConfigurationError && error.message.includes(broken) && /not a PEM certificate/.test(error.message));
    await assert.rejects(open(join(dir, 'missing.crt')), (error: unknown) => error instanceof TlsConfigurationError && /cannot be read \(ENOENT\)/.test(error.message));
    const other = await issueServerCertificate(ca, clock.nowMs(), { dnsNames: ['x'], ipAddresses: [] });
    const otherCert = join(dir, 'other.crt');
    await writeFile(otherCert, other.certPem);
    await assert.rejects(open(otherCert), /does not belong to the certificate/);
  });

  it('refuses a damaged generated key instead of silently starting a new CA', async () => {
    const clock = new FakeClock();
    const dataDir = join(dir, 'damaged');
    await TlsStore.open({ dataDir, clock, logger: silentLogger(), localNames });
    await writeFile(join(dataDir, 'tls', 'ca.key.pem'), 'garbage');
    await assert.rejects(TlsStore.open({ dataDir, clock, logger: silentLogger(), localNames }), (error: unknown) =>
      error instanceof TlsConfigurationError && error.message.includes('ca.key.pem') && /not a PEM private key/.test(error.message));
  });
});
