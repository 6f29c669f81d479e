import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import {
  ChargerAdmission, type ApprovalRecord, type ApprovalStore, type SecurityProfile,
} from '../../../src/chargers/admission/charger-admission.ts';
import { OcppServer } from '../../../src/chargers/ocpp-server.ts';
import { createCertificateAuthority, issueClientCertificate } from '../../../src/chargers/security/certificates.ts';
import { TlsStore } from '../../../src/chargers/security/tls-store.ts';
import { FakeClock } from '../../../src/platform/clock.ts';
import { silentLogger } from '../../../src/platform/logger.ts';
import { TestChargePoint } from '../ocpp201/test-charge-point.ts';

/**
 * Security profiles 2 and 3 over real TLS on 127.0.0.1: the charger side is a bare `ws` client given Sunplug's
 * generated CA (and, for profile 3, a client certificate), speaking 2.0.1 frames that typed-ocpp validates both ways.
 */

const PASSWORD = 'tls-test-password-1234';

class MemoryApprovals implements ApprovalStore {
  private readonly records = new Map<string, ApprovalRecord>();
  approvals(): ReadonlyMap<string, ApprovalRecord> {
    return this.records;
  }
  async saveApproval(id: string, record: ApprovalRecord): Promise<void> {
    this.records.set(id, record);
  }
}

interface TlsSite {
  server: OcppServer;
  store: TlsStore;
  url: string;
  clock: FakeClock;
}

async function startTlsSite(dataDir: string, profile: SecurityProfile): Promise<TlsSite> {
  const clock = new FakeClock();
  const logger = silentLogger();
  const store = await TlsStore.open({ dataDir, clock, logger, localNames: () => ({ dnsNames: [], ipAddresses: [] }) });
  const admission = await ChargerAdmission.create({
    clock, logger, securityProfile: profile, unknownChargers: 'pending', store: new MemoryApprovals(),
    configured: profile === 2 ? [{ id: 'cp2', password: PASSWORD }] : [{ id: 'cp3' }, { id: 'other' }],
  });
  const server = new OcppServer({
    clock, logger, voltageV: 230, admit: (request) => admission.admit(request),
    requireTls: true, requireClientCertificate: profile === 3,
  });
  const port = await server.listenTls(0, '127.0.0.1', store.current);
  return { server, store, url: `wss://127.0.0.1:${port}/ocpp`, clock };
}

function basicAuth(user: string, password: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** How the server answered an upgrade that should fail: its HTTP status, or the client-side TLS error code. */
function outcome(url: string, id: string, options: WebSocket.ClientOptions): Promise<number | string> {
  const ws = new WebSocket(`${url}/${id}`, ['ocpp2.0.1'], options);
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.terminate();
      reject(new Error('connection was accepted'));
    });
    ws.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('OCPP over TLS', () => {
  let dir: string;
  const open: TestChargePoint[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sunplug-ocpp-tls-'));
  });

  after(async () => {
    for (const cp of open) await cp.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('security profile 2 (TLS + Basic auth)', () => {
    let site: TlsSite;
    before(async () => {
      site = await startTlsSite(join(dir, 'p2'), 2);
    });
    after(async () => {
      await site.server.close();
    });

    it('accepts a charger that trusts the generated CA and sends its password, and speaks OCPP 2.0.1 with it', async () => {
      const cp = await TestChargePoint.connect({
        url: site.url, id: 'cp2', clock: site.clock,
        wsOptions: { ca: site.store.current.caPem, headers: basicAuth('cp2', PASSWORD) },
      });
      open.push(cp);
      const boot = await cp.boot();
      assert.equal(boot.status, 'Accepted');
      assert.deepEqual(cp.violations, []);
      await cp.close();
    });

    it('refuses a wrong password with 401', async () => {
      assert.equal(await outcome(site.url, 'cp2', { ca: site.store.current.caPem, headers: basicAuth('cp2', 'wrong-password-123456') }), 401);
      assert.equal(await outcome(site.url, 'cp2', { ca: site.store.current.caPem }), 401, 'and no password at all');
    });

    it('is refused by a charger that has not loaded the CA (the certificate is not from a public CA)', async () => {
      assert.equal(await outcome(site.url, 'cp2', { headers: basicAuth('cp2', PASSWORD) }), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });

    it('refuses upgrades that did not come over TLS, whatever listener they reach', async () => {
      const plainPort = await site.server.listen(0, '127.0.0.1');
      assert.equal(await outcome(`ws://127.0.0.1:${plainPort}/ocpp`, 'cp2', { headers: basicAuth('cp2', PASSWORD) }), 403);
    });
  });

  describe('security profile 3 (TLS + client certificates)', () => {
    let site: TlsSite;
    before(async () => {
      site = await startTlsSite(join(dir, 'p3'), 3);
    });
    after(async () => {
      await site.server.close();
    });

    it('accepts a charger with the certificate Sunplug issued for its id', async () => {
      const issued = await site.store.issueClientCertificate('cp3');
      const cp = await TestChargePoint.connect({
        url: site.url, id: 'cp3', clock: site.clock, wsOptions: { ca: issued.caPem, cert: issued.certPem, key: issued.keyPem },
      });
      open.push(cp);
      assert.equal((await cp.boot()).status, 'Accepted');
      assert.equal((await cp.call('Heartbeat', {})).currentTime, new Date(site.clock.nowMs()).toISOString());
      assert.deepEqual(cp.violations, []);
      await cp.close();
    });

    it('refuses a charger without a client certificate', async () => {
      assert.equal(await outcome(site.url, 'cp3', { ca: site.store.current.caPem }), 401);
    });

    it("refuses another charger's certificate (its common name is not this id)", async () => {
      const issued = await site.store.issueClientCertificate('other');
      assert.equal(await outcome(site.url, 'cp3', { ca: issued.caPem, cert: issued.certPem, key: issued.keyPem }), 401);
    });

    it('refuses a certificate for the right id from a CA that is not Sunplug\'s', async () => {
      const foreignCa = await createCertificateAuthority(site.clock.nowMs(), 'Somebody else');
      const forged = await issueClientCertificate(foreignCa, site.clock.nowMs(), 'cp3');
      assert.equal(await outcome(site.url, 'cp3', { ca: site.store.current.caPem, cert: forged.certPem, key: forged.keyPem }), 401);
    });

    it('holds an unknown charger with a valid certificate as pending until it is approved', async () => {
      const issued = await site.store.issueClientCertificate('stranger');
      const cp = await TestChargePoint.connect({
        url: site.url, id: 'stranger', clock: site.clock, wsOptions: { ca: issued.caPem, cert: issued.certPem, key: issued.keyPem },
      });
      open.push(cp);
      assert.equal((await cp.boot()).status, 'Pending');
      assert.deepEqual(cp.violations, []);
      await cp.close();
    });
  });
});
