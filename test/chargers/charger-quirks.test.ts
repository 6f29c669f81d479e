import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import type { Ocpp16Adapter } from '../../src/chargers/ocpp16/ocpp16-adapter.ts';
import {
  DEFAULT_QUIRKS_FILE, findQuirk, loadQuirks, parseQuirks, quirksFileSchema, type QuirkTable,
} from '../../src/chargers/quirks/charger-quirks.ts';
import type { ChargeLimit } from '../../src/domain/charge-limit.ts';
import { SimulatedChargePoint, type HandledRequest } from '../../src/sim/ocpp-charge-point.ts';
import { eventually } from '../support/eventually.ts';
import { nextConnection, startTestServer, waitForState, type TestServer } from './ocpp-test-kit.ts';
import { sentProfile } from './scripted-charger.ts';

/** devices/chargers/quirks.yaml: the data, its schema, and that a matching entry really changes what the adapter does. */

describe('the charger quirks table', () => {
  it('validates against its schema, with at least ten vendors from the reference and a source for every entry', () => {
    const raw: unknown = parseDocument(readFileSync(DEFAULT_QUIRKS_FILE, 'utf8')).toJS();
    const parsed = quirksFileSchema.safeParse(raw);
    assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
    const table = loadQuirks();
    assert.ok(table.length >= 10, `${table.length} entries`);
    const vendors = new Set(table.map((q) => q.match.vendor.toLowerCase()));
    assert.ok(vendors.size >= 10, `${vendors.size} vendors`);
    for (const quirk of table) {
      assert.ok(quirk.sources.length > 0, `${quirk.id} cites a source`);
      assert.ok(quirk.summary.length > 20, `${quirk.id} says what it is about`);
    }
    for (const id of ['evbox-elvi', 'keba-p30', 'easee', 'abb-terra-ac', 'wallbox', 'go-e', 'autel-maxicharger', 'huawei-fusioncharge', 'zaptec-go', 'alfen-eve']) {
      assert.ok(table.some((q) => q.id === id), id);
    }
  });

  it('refuses a file with an unknown key, a broken pattern, a duplicate id or no sources', () => {
    const entry = 'id: x\n    match: { vendor: "x" }\n    summary: s\n    sources: [a]';
    assert.equal(parseQuirks(`version: 1\nquirks:\n  - ${entry}\n`).length, 1);
    assert.throws(() => parseQuirks(`version: 1\nquirks:\n  - ${entry}\n    colour: red\n`), /colour/);
    assert.throws(() => parseQuirks('version: 1\nquirks:\n  - id: x\n    match: { vendor: "(" }\n    summary: s\n    sources: [a]\n'), /regular expression/);
    assert.throws(() => parseQuirks(`version: 1\nquirks:\n  - ${entry}\n  - ${entry}\n`), /duplicate quirk id/);
    assert.throws(() => parseQuirks('version: 1\nquirks:\n  - id: x\n    match: { vendor: "x" }\n    summary: s\n    sources: []\n'), /sources/);
    assert.throws(() => parseQuirks('version: 2\nquirks: []\n'), /version/);
  });

  it('matches case-insensitively on vendor, model and firmware, first entry wins', () => {
    const table = loadQuirks();
    assert.equal(findQuirk(table, { vendor: 'MENNEKES', model: 'AMTRON Compact ACU' })?.id, 'mennekes-amtron-acu');
    assert.equal(findQuirk(table, { vendor: 'Mennekes', model: 'AMTRON 4You' })?.id, 'mennekes');
    assert.equal(findQuirk(table, { vendor: 'EV-BOX', model: 'Elvi' })?.id, 'evbox-elvi');
    assert.equal(findQuirk(table, { vendor: 'EVBox', model: 'BusinessLine' }), undefined, 'the Elvi entry needs the model');
    assert.equal(findQuirk(table, { vendor: 'Sunplug', model: 'Simulated Wallbox' }), undefined);
    assert.equal(findQuirk(table, { model: 'Pulsar' }), undefined, 'no vendor, no match');
    const byFirmware: QuirkTable = [{ id: 'old-fw', match: { vendor: 'acme', firmware: '^1\\.' }, summary: 'old firmware', sources: ['test'] }];
    assert.equal(findQuirk(byFirmware, { vendor: 'Acme', firmwareVersion: '1.8.21' })?.id, 'old-fw');
    assert.equal(findQuirk(byFirmware, { vendor: 'Acme', firmwareVersion: '2.0' }), undefined);
  });
});

describe('a matching quirk changes what the 1.6 adapter sends', () => {
  let t: TestServer;
  const sims: SimulatedChargePoint[] = [];
  const limit = (chargerId: string, currentA: number): ChargeLimit => ({ chargerId, currentA, phases: 3, reason: 'fast', safety: false });

  before(async () => {
    t = await startTestServer({ known: ['wallbox', 'keba', 'easee', 'plain'], ocpp16: { safeCurrentA: 6, quirks: loadQuirks() } });
  });

  after(async () => {
    for (const sim of sims) await sim.stop();
    await t.server.close();
  });

  async function start(id: string, vendor: string, model: string): Promise<{ sim: SimulatedChargePoint; adapter: Ocpp16Adapter; requests: HandledRequest[] }> {
    const sim = new SimulatedChargePoint({ id, url: t.url, clock: t.clock, voltageV: 230, vendor, model, vehicle: { maxCurrentA: 16 } });
    sims.push(sim);
    const requests: HandledRequest[] = [];
    sim.onRequest((r) => requests.push(r));
    const connected = nextConnection(t.server);
    await sim.start();
    const adapter = await connected as Ocpp16Adapter;
    await eventually(() => adapter.smartChargingReport().profiles?.safeDefault?.status === 'installed', `${id}: safe default`);
    await eventually(() => requests.some((r) => r.action === 'ChangeConfiguration' && JSON.stringify(r.payload).includes('MeterValueSampleInterval')), `${id}: metering`);
    const charging = waitForState(adapter, (s) => s.transactionId !== undefined);
    await sim.plugIn();
    await charging;
    return { sim, adapter, requests };
  }

  const profiles = (requests: HandledRequest[]) => requests.filter((r) => r.action === 'SetChargingProfile').map(sentProfile);

  it('Wallbox: stack level 0 only, Relative schedules, whole amps; the safe default keeps connector 0', async () => {
    const { sim, adapter, requests } = await start('wallbox', 'Wall Box Chargers', 'Pulsar Plus');
    assert.equal(adapter.appliedQuirk?.id, 'wallbox');
    assert.deepEqual(await adapter.applyLimit(limit('wallbox', 10.7)), { outcome: 'applied', detail: '10 A' });
    const [safe, dynamic] = profiles(requests);
    assert.deepEqual([safe?.connectorId, safe?.csChargingProfiles.stackLevel, safe?.csChargingProfiles.chargingProfileKind], [0, 0, 'Relative']);
    const p = dynamic!.csChargingProfiles;
    assert.deepEqual([dynamic?.connectorId, p.stackLevel, p.chargingProfileKind], [1, 0, 'Relative'], 'below the 8 levels the charger claims');
    assert.equal(p.chargingSchedule.chargingSchedulePeriod[0]?.limit, 10);
    assert.equal(p.chargingSchedule.startSchedule, undefined);
    assert.ok(p.validTo !== undefined, 'it still expires');
    assert.equal(sim.offeredCurrentA, 10);
  });

  it('KEBA: the limit goes on connector 0 first', async () => {
    const { adapter, requests } = await start('keba', 'Keba AG', 'KC-P30');
    assert.equal(adapter.appliedQuirk?.id, 'keba-p30');
    assert.equal((await adapter.applyLimit(limit('keba', 11))).outcome, 'applied');
    assert.deepEqual(profiles(requests).map((p) => [p.connectorId, p.csChargingProfiles.stackLevel]), [[0, 0], [0, 1]]);
  });

  it('Easee: 25 writes a day, a 4 h lifetime, and no Current.Offered to check', async () => {
    const { adapter, requests } = await start('easee', 'Easee', 'Home');
    const report = adapter.smartChargingReport();
    assert.equal(report.profiles?.budget.perDay, 25);
    assert.equal(report.profiles?.profileExpiryS, 14_400);
    assert.equal(report.compliance.status, 'unverifiable');
    const measurands = requests.find((r) => r.action === 'ChangeConfiguration' && JSON.stringify(r.payload).includes('MeterValuesSampledData'));
    assert.deepEqual(measurands?.payload, { key: 'MeterValuesSampledData', value: 'Energy.Active.Import.Register,Power.Active.Import,Current.Import' });
    assert.ok(requests.some((r) => r.action === 'ChangeConfiguration' && JSON.stringify(r.payload) === '{"key":"MeterValueSampleInterval","value":"30"}'));
  });

  it('a charger no entry matches gets the defaults', async () => {
    const { adapter, requests } = await start('plain', 'Sunplug', 'Simulated Wallbox');
    assert.equal(adapter.appliedQuirk, undefined);
    assert.equal((await adapter.applyLimit(limit('plain', 10.7))).outcome, 'applied');
    const dynamic = profiles(requests).at(-1)!;
    assert.deepEqual([dynamic.connectorId, dynamic.csChargingProfiles.stackLevel, dynamic.csChargingProfiles.chargingProfileKind], [1, 1, 'Absolute']);
    assert.equal(dynamic.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]?.limit, 10.7);
    assert.equal(adapter.smartChargingReport().profiles?.budget.perDay, 480);
  });
});
