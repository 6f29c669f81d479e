import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ChargerAdmission, type ApprovalRecord, type ApprovalStore, type ConfiguredCharger, type SecurityProfile, type UnknownChargerPolicy,
} from '../../src/chargers/admission/charger-admission.ts';
import { ChargerDirectory } from '../../src/chargers/admission/charger-directory.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { SimulatedChargePoint } from '../../src/sim/ocpp-charge-point.ts';
import { ConfigError, validateConfig } from '../../src/store/config-file.ts';
import { eventually } from '../support/eventually.ts';
import { capturingLogger, startTestServer, waitForState, type TestServer } from './ocpp-test-kit.ts';
import { upgradeStatus } from './scripted-charger.ts';

/**
 * Who may connect (docs/chargers.md, "Admission"): pending chargers and their approval, security profile 1 passwords
 * (HTTP Basic auth on the upgrade), profile 0 only on request. Real WebSockets on 127.0.0.1, simulated wallboxes.
 */

class MemoryApprovals implements ApprovalStore {
  readonly records = new Map<string, ApprovalRecord>();

  approvals(): ReadonlyMap<string, ApprovalRecord> {
    return this.records;
  }

  async saveApproval(chargerId: string, record: ApprovalRecord): Promise<void> {
    this.records.set(chargerId, { ...record });
  }
}

interface AdmissionSetup {
  t: TestServer;
  admission: ChargerAdmission;
  directory: ChargerDirectory;
  store: MemoryApprovals;
  log: ReturnType<typeof capturingLogger>;
}

async function startAdmission(options: {
  securityProfile: SecurityProfile; unknownChargers?: UnknownChargerPolicy; configured?: ConfiguredCharger[]; maxPending?: number;
}): Promise<AdmissionSetup> {
  const clock = new FakeClock();
  const log = capturingLogger();
  const store = new MemoryApprovals();
  const unknownChargers = options.unknownChargers ?? 'pending';
  const configured = options.configured ?? [];
  const admission = await ChargerAdmission.create({
    clock, logger: log.logger, securityProfile: options.securityProfile, unknownChargers, configured, store,
    ...(options.maxPending !== undefined ? { maxPending: options.maxPending } : {}),
  });
  const t = await startTestServer({ clock, logger: log.logger, admit: (request) => admission.admit(request), pendingBootIntervalS: 30 });
  const directory = new ChargerDirectory({ admission, server: t.server, unknownChargers, configured });
  return { t, admission, directory, store, log };
}

function simulated(t: TestServer, id: string, password?: string): SimulatedChargePoint {
  return new SimulatedChargePoint({
    id, url: t.url, clock: t.clock, voltageV: 230, vendor: 'Acme', model: 'Box 11', reconnectDelayMs: 50,
    ...(password !== undefined ? { password } : {}),
  });
}

/** Moves simulated time a second at a time until `check` holds (the simulator schedules its retries on the clock). */
async function advanceUntil(t: TestServer, check: () => boolean, what: string, maxSeconds = 120): Promise<void> {
  for (let i = 0; i < maxSeconds && !check(); i++) await t.clock.advance(1_000);
  await eventually(check, what);
}

function bootAnswers(t: TestServer, id: string): string[] {
  return t.server.ocppLog(id)
    .filter((e) => e.kind === 'CALLRESULT' && e.action === 'BootNotification')
    .map((e) => String((e.payload as { status?: unknown }).status))
    .reverse();
}

describe('admission with security profile 1 (the default)', () => {
  let s: AdmissionSetup;
  const sims: SimulatedChargePoint[] = [];

  before(async () => {
    s = await startAdmission({
      securityProfile: 1,
      configured: [{ id: 'garage', password: 'garage-password-1234' }, { id: 'carport', password: 'carport-password-5678' }, { id: 'shed' }],
    });
  });

  after(async () => {
    for (const sim of sims) await sim.stop();
    await s.t.server.close();
  });

  it('holds an unknown charger as pending: it may boot, gets Pending, and is not controlled', async () => {
    const sim = simulated(s.t, 'visitor');
    sims.push(sim);
    const run = sim.start().catch(() => 'stopped');
    const entry = await eventually(() => s.directory.list().chargers.find((c) => c.id === 'visitor' && c.vendor !== null), 'the visitor to boot');
    assert.equal(entry.admission, 'pending');
    assert.equal(entry.waitingFor, 'approval');
    assert.equal(entry.connected, true);
    assert.equal(entry.configured, false);
    assert.deepEqual([entry.vendor, entry.model], ['Acme', 'Box 11']);
    assert.deepEqual(bootAnswers(s.t, 'visitor'), ['Pending']);
    assert.equal(s.t.server.adapterFor('visitor'), undefined, 'no adapter: the control loop never sees it');
    await advanceUntil(s.t, () => bootAnswers(s.t, 'visitor').length === 2, 'its next boot');
    assert.deepEqual(bootAnswers(s.t, 'visitor'), ['Pending', 'Pending'], 'still pending until approved');
    await sim.stop();
    assert.equal(await run, 'stopped');
  });

  it('approving issues a password once (stored hashed); the charger must reconnect with it and then boots Accepted', async () => {
    const approved = await s.directory.approve('visitor');
    assert.ok(approved.ok);
    const password = approved.password ?? '';
    assert.match(password, /^[A-Za-z0-9]{24}$/);
    assert.equal(approved.username, 'visitor');
    const stored = s.store.records.get('visitor');
    assert.match(stored?.passwordHash ?? '', /^scrypt\$/);
    assert.ok(!JSON.stringify(stored).includes(password), 'the password itself is not stored');
    assert.equal(s.directory.list().chargers.find((c) => c.id === 'visitor')?.admission, 'approved');
    assert.deepEqual(await s.directory.approve('visitor'), {
      ok: false, code: 'already_approved', message: 'charger "visitor" is already approved; ask for {"resetPassword": true} to issue a new password',
    });

    assert.equal(await upgradeStatus(s.t.url, 'visitor'), 401, 'without its password it is refused now');
    const sim = simulated(s.t, 'visitor', password);
    sims.push(sim);
    await sim.start();
    assert.deepEqual(bootAnswers(s.t, 'visitor').at(-1), 'Accepted');
    const adapter = s.t.server.adapterFor('visitor');
    assert.ok(adapter !== undefined);
    assert.equal((await waitForState(adapter, (st) => st.status === 'available')).connected, true);
  });

  it('a configured charger without a password waits for approval too (it is issued one)', async () => {
    const sim = simulated(s.t, 'shed');
    sims.push(sim);
    const run = sim.start().catch(() => 'stopped');
    const entry = await eventually(() => s.directory.list().chargers.find((c) => c.id === 'shed' && c.connected), 'the shed charger');
    assert.equal(entry.admission, 'pending');
    assert.equal(entry.waitingFor, 'password');
    await sim.stop();
    await run;
    const approved = await s.directory.approve('shed');
    assert.ok(approved.ok && approved.password !== undefined);
  });

  it('refuses a wrong or missing password with 401, accepts the right one, and leaves other chargers alone', async () => {
    const garage = simulated(s.t, 'garage', 'garage-password-1234');
    sims.push(garage);
    await garage.start();
    const adapter = s.t.server.adapterFor('garage');
    assert.ok(adapter !== undefined);
    await waitForState(adapter, (st) => st.status === 'available');
    const before = s.log.lines.length;

    assert.equal(await upgradeStatus(s.t.url, 'carport', { user: 'carport', password: 'not-the-password-000' }), 401);
    assert.equal(await upgradeStatus(s.t.url, 'carport'), 401, 'missing');
    assert.equal(await upgradeStatus(s.t.url, 'carport', { user: 'someone-else', password: 'carport-password-5678' }), 401, 'user name must be the id');
    assert.equal(await upgradeStatus(s.t.url, 'garage', { user: 'garage', password: 'impostor-password-99' }), 401, 'an impostor');
    assert.equal(await upgradeStatus(s.t.url, 'carport', { user: 'carport', password: 'carport-password-5678' }), 101);

    assert.equal(adapter.snapshot().connected, true, 'the real garage charger kept its connection');
    assert.equal(adapter.snapshot().status, 'available');
    const refusals = s.admission.refusals();
    assert.equal(refusals.find((r) => r.id === 'garage')?.reason, 'wrong-password');
    assert.equal(refusals.find((r) => r.id === 'carport')?.reason, 'missing-password');
    const logged = JSON.stringify(s.log.lines.slice(before));
    assert.match(logged, /wrong password/);
    for (const secret of ['not-the-password-000', 'impostor-password-99', 'carport-password-5678', 'garage-password-1234']) {
      assert.ok(!logged.includes(secret), 'no password in the log');
    }
    assert.ok(!JSON.stringify(s.directory.list()).includes('password-'), 'nor in the installer view');
  });

  it('refuses ids outside the config id rule before recording them anywhere', async () => {
    assert.equal(await upgradeStatus(s.t.url, 'bad id!'), 401);
    assert.equal(s.directory.list().chargers.some((c) => c.id === 'bad id!'), false);
    assert.equal(s.admission.refusals()[0]?.reason, 'invalid-id');
  });
});

describe('admission with security profile 0 (explicitly configured)', () => {
  let s: AdmissionSetup;
  const sims: SimulatedChargePoint[] = [];

  before(async () => {
    s = await startAdmission({ securityProfile: 0, configured: [{ id: 'garage' }], maxPending: 2 });
  });

  after(async () => {
    for (const sim of sims) await sim.stop();
    await s.t.server.close();
  });

  it('logs a warning at start and flags the installation as insecure', () => {
    const warning = s.log.lines.find((l) => l.level === 40 && String(l.msg).includes('security profile 0'));
    assert.ok(warning !== undefined, 'a warning is logged');
    assert.equal(s.directory.list().security.insecure, true);
    assert.match(s.directory.list().security.warning ?? '', /without a password/);
  });

  it('accepts a configured charger without a password', async () => {
    const sim = simulated(s.t, 'garage');
    sims.push(sim);
    await sim.start();
    assert.deepEqual(bootAnswers(s.t, 'garage'), ['Accepted']);
  });

  it('promotes an approved pending charger on its open connection: it is asked to boot, and its next boot is Accepted', async () => {
    const sim = simulated(s.t, 'newcomer');
    sims.push(sim);
    const started = sim.start();
    await eventually(() => bootAnswers(s.t, 'newcomer').length === 1, 'its first boot');
    assert.deepEqual(bootAnswers(s.t, 'newcomer'), ['Pending']);
    const approved = await s.directory.approve('newcomer');
    assert.ok(approved.ok);
    assert.equal(approved.password, undefined, 'no passwords under profile 0');
    assert.match(approved.note, /being asked to boot again/);
    await eventually(() => bootAnswers(s.t, 'newcomer').length === 2, 'the triggered boot');
    assert.deepEqual(bootAnswers(s.t, 'newcomer'), ['Pending', 'Accepted']);
    assert.ok(s.t.server.adapterFor('newcomer') !== undefined);
    assert.equal(s.store.records.has('newcomer'), true, 'the approval is kept');
    // The simulator's own retry after Pending: also Accepted now.
    let done = false;
    void started.then(() => { done = true; });
    await advanceUntil(s.t, () => done, 'the simulator to finish booting');
    assert.equal(bootAnswers(s.t, 'newcomer').at(-1), 'Accepted');
    assert.equal(s.directory.list().chargers.find((c) => c.id === 'newcomer')?.admission, 'approved');
  });

  it('remembers only so many pending chargers', async () => {
    assert.equal(await upgradeStatus(s.t.url, 'p1'), 101);
    assert.equal(await upgradeStatus(s.t.url, 'p2'), 101);
    assert.equal(await upgradeStatus(s.t.url, 'p3'), 401);
    assert.equal(s.admission.refusals()[0]?.reason, 'too-many-pending');
  });
});

describe('unknown chargers by policy', () => {
  it('"reject" refuses them; "accept" (profile 0 only) controls them', async () => {
    const rejecting = await startAdmission({ securityProfile: 1, unknownChargers: 'reject' });
    try {
      assert.equal(await upgradeStatus(rejecting.t.url, 'stranger'), 401);
      assert.deepEqual(rejecting.admission.refusals().map((r) => [r.id, r.reason]), [['stranger', 'unknown-charger']]);
      assert.equal(rejecting.directory.list().chargers.length, 0);
    } finally {
      await rejecting.t.server.close();
    }
    const accepting = await startAdmission({ securityProfile: 0, unknownChargers: 'accept' });
    const sim = simulated(accepting.t, 'anyone');
    try {
      await sim.start();
      assert.deepEqual(bootAnswers(accepting.t, 'anyone'), ['Accepted']);
      assert.equal(accepting.directory.list().chargers.find((c) => c.id === 'anyone')?.admission, 'auto-accepted');
      assert.deepEqual(accepting.admission.approvedUnconfigured(), ['anyone']);
    } finally {
      await sim.stop();
      await accepting.t.server.close();
    }
  });

  it('the config file accepts "accept" only together with security profile 0, which is never the default', () => {
    const site = { mainFuseA: 25 };
    assert.equal(validateConfig({ site }).ocpp.securityProfile, undefined, 'unset: Sunplug runs profile 1');
    assert.throws(() => validateConfig({ site, ocpp: { unknownChargers: 'accept' } }), (error: unknown) =>
      error instanceof ConfigError && error.problems.some((p) => p.startsWith('ocpp.unknownChargers:')));
    assert.equal(validateConfig({ site, ocpp: { securityProfile: 0, unknownChargers: 'accept' } }).ocpp.unknownChargers, 'accept');
    assert.throws(() => validateConfig({ site, chargers: [{ id: 'x', password: 'short' }] }), ConfigError);
  });
});
