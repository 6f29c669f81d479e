import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ocpp16Adapter } from '../../../src/chargers/ocpp16/ocpp16-adapter.ts';
import { Ocpp201Adapter } from '../../../src/chargers/ocpp201/ocpp201-adapter.ts';
import type { EvChargingNeeds } from '../../../src/chargers/ocpp201/station-notices.ts';
import type { ChargeLimit } from '../../../src/domain/charge-limit.ts';
import type { TransactionEvent } from '../../../src/domain/charging-session.ts';
import { eventually } from '../../support/eventually.ts';
import { capturingLogger, nextConnection, RawCharger, startTestServer, waitForState, type TestServer } from '../ocpp-test-kit.ts';
import { CallErrorReply, iso, TestChargePoint, type TestChargePointOptions } from './test-charge-point.ts';

/**
 * The 2.0.1 adapter behind the real OCPP server, on loopback, against a charging station whose every frame typed-ocpp
 * checks in both directions. Time is a FakeClock: nothing here waits for real time except socket round trips.
 */

const limit = (chargerId: string, currentA: number, phases: 1 | 3 = 3): ChargeLimit => ({ chargerId, currentA, phases, reason: 'solar-surplus', safety: false });

const IDS = ['cp1', 'cp2', 'both', 'old16', 'needs', 'reports', 'bad', 'good', 'queued', 'late', 'again', 'reuse'];

async function bootedChargePoint(t: TestServer, id: string, options: Partial<TestChargePointOptions> = {}): Promise<{ cp: TestChargePoint; adapter: Ocpp201Adapter }> {
  const connected = nextConnection(t.server);
  const cp = await TestChargePoint.connect({ url: t.url, id, clock: t.clock, ...options });
  const adapter = await connected;
  assert.ok(adapter instanceof Ocpp201Adapter, 'a 2.0.1 charger gets the 2.0.1 adapter');
  await cp.status('Available');
  assert.equal((await cp.boot()).status, 'Accepted');
  await cp.waitForCall('SetVariables', 2);
  return { cp, adapter };
}

async function finish(cp: TestChargePoint, adapter: Ocpp201Adapter): Promise<void> {
  await cp.close();
  await waitForState(adapter, (s) => !s.connected);
  assert.deepEqual(cp.violations, [], 'typed-ocpp found no schema or framing violation');
}

describe('the OCPP 2.0.1 adapter against a typed-ocpp-checked charging station', () => {
  let t: TestServer;
  const log = capturingLogger();

  before(async () => {
    t = await startTestServer({ known: IDS, logger: log.logger, callTimeoutMs: 2_000 });
  });

  after(async () => {
    await t.server.close();
  });

  it('accepts the boot, reads the smart-charging and sampling variables and asks for measurands every 10 s', async () => {
    const { cp, adapter } = await bootedChargePoint(t, 'cp1');
    const [smart, sampled] = [await cp.waitForCall('GetVariables', 1), await cp.waitForCall('GetVariables', 2)];
    const names = (call: typeof smart): string[] => (call.payload.getVariableData as Array<{ component: { name: string }; variable: { name: string } }>)
      .map((d) => `${d.component.name}.${d.variable.name}`);
    assert.deepEqual(names(smart), ['Enabled', 'LimitChangeSignificance', 'RateUnit', 'PeriodsPerSchedule', 'ProfileStackLevel', 'Entries'].map((n) => `SmartChargingCtrlr.${n}`));
    assert.ok(names(sampled).every((n) => n.startsWith('SampledDataCtrlr.')));
    assert.equal(cp.variables.get('SampledDataCtrlr.TxUpdatedMeasurands')?.value, 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Current.Offered,Voltage');
    assert.equal(cp.variables.get('SampledDataCtrlr.TxUpdatedInterval')?.value, '10');
    const capabilities = await eventually(() => adapter.capabilities.txUpdatedIntervalS === 10 && adapter.capabilities, 'the interval to be recorded');
    assert.equal(capabilities.maxStackLevel, 8);
    assert.equal(capabilities.maxProfiles, 10);
    assert.equal(capabilities.periodsPerSchedule, 24);
    assert.equal(capabilities.smartChargingEnabled, true);
    assert.deepEqual([...(capabilities.rateUnits ?? [])].sort(), ['A', 'W']);
    assert.deepEqual(adapter.bootInfo, { vendor: 'Sunplug Test', model: 'TCP-201', serialNumber: 'T-1', firmwareVersion: 't1', reason: 'PowerUp' });
    assert.equal(cp.count('TriggerMessage'), 0, 'the status was already known');

    assert.equal(((await cp.authorize('CARD-1')).idTokenInfo as { status: string }).status, 'Accepted');
    assert.deepEqual(await cp.call('Heartbeat', {}), { currentTime: iso(t.clock.nowMs()) });
    const state = adapter.snapshot();
    assert.equal(state.connected, true);
    assert.equal(state.status, 'available');
    await finish(cp, adapter);
  });

  it('passes a transaction and its meter values to snapshot(), and reports it for the session store', async () => {
    const { cp, adapter } = await bootedChargePoint(t, 'cp1');
    const events: TransactionEvent[] = [];
    const off = adapter.onTransaction((event) => events.push(event));
    await cp.status('Occupied');
    assert.equal(adapter.snapshot().status, 'preparing');
    assert.equal(adapter.snapshot().vehicleConnected, true);

    const started = await cp.transactionEvent('Started', { transactionId: 'tx-1', chargingState: 'EVConnected', idToken: 'CARD-1', meter: { energyWh: 1000 } });
    assert.deepEqual(started, { idTokenInfo: { status: 'Accepted' } });
    assert.equal(adapter.snapshot().transactionId, 'tx-1');
    assert.equal(adapter.snapshot().sessionEnergyWh, 0);
    assert.equal(adapter.idToken, 'CARD-1');

    await t.clock.advance(10_000);
    await cp.transactionEvent('Updated', {
      transactionId: 'tx-1', chargingState: 'Charging', triggerReason: 'ChargingStateChanged',
      meter: { energyWh: 1250, energyInKWh: true, powerW: 11_040, currentsA: [16, 16, 15.9], offeredA: 16, voltageV: 230, socPct: 40 },
    });
    let state = adapter.snapshot();
    assert.equal(state.status, 'charging');
    assert.equal(state.powerW, 11_040);
    assert.deepEqual(state.phaseCurrentsA, [16, 16, 15.9]);
    assert.equal(state.offeredCurrentA, 16);
    assert.equal(state.sessionEnergyWh, 250);
    assert.equal(state.measuredAtMs, t.clock.nowMs());

    await t.clock.advance(10_000);
    await cp.meterValues({ energyWh: 1300, powerW: 11_000 });
    assert.equal(adapter.snapshot().sessionEnergyWh, 300);

    await t.clock.advance(10_000);
    await cp.transactionEvent('Ended', { transactionId: 'tx-1', chargingState: 'EVConnected', triggerReason: 'StopAuthorized', stoppedReason: 'Local', meter: { energyWh: 1400 } });
    state = adapter.snapshot();
    assert.equal(state.transactionId, undefined);
    assert.equal(state.sessionEnergyWh, 400, 'the finished session keeps its energy');
    assert.equal(state.powerW, 0);
    assert.equal(state.status, 'finishing', 'stopped, but the car is still plugged in');
    await cp.status('Available');
    assert.equal(adapter.snapshot().status, 'available');

    assert.deepEqual(events.map((e) => e.kind), ['started', 'meter', 'meter', 'ended']);
    assert.deepEqual(events[0], { kind: 'started', chargerId: 'cp1', transactionId: 'tx-1', atMs: t.clock.nowMs() - 30_000, idTag: 'CARD-1', meterStartWh: 1000 });
    assert.deepEqual(events[3], { kind: 'ended', chargerId: 'cp1', transactionId: 'tx-1', atMs: t.clock.nowMs(), meterStopWh: 1400, sessionEnergyWh: 400, stopReason: 'Local' });
    off();
    await finish(cp, adapter);
  });

  it('applies a limit as a schema-valid TxDefaultProfile in A, and does not write an unchanged limit again', async () => {
    const { cp, adapter } = await bootedChargePoint(t, 'cp1');
    assert.deepEqual(await adapter.applyLimit(limit('cp1', 10)), { outcome: 'applied', detail: '10 A' });
    assert.equal(cp.profiles.length, 1);
    assert.deepEqual(cp.profiles[0], {
      evseId: 1,
      chargingProfile: {
        id: 1001,
        stackLevel: 1,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: [{
          id: 1001,
          startSchedule: iso(t.clock.nowMs() - 60_000),
          chargingRateUnit: 'A',
          chargingSchedulePeriod: [{ startPeriod: 0, limit: 10, numberPhases: 3 }],
        }],
      },
    });

    assert.deepEqual(await adapter.applyLimit(limit('cp1', 10)), { outcome: 'unchanged' });
    assert.deepEqual(await adapter.applyLimit(limit('cp1', 10.05)), { outcome: 'unchanged' }, '10.05 A rounds down to the same 10.0 A');
    assert.equal(cp.profiles.length, 1, 'no write spent on an unchanged limit');

    assert.equal((await adapter.applyLimit(limit('cp1', 16.29))).detail, '16.2 A');
    assert.equal((await adapter.applyLimit(limit('cp1', 16.29, 1))).outcome, 'applied', 'a phase change is a change');
    const period = (payload: Record<string, unknown>): unknown => (payload.chargingProfile as { chargingSchedule: Array<{ chargingSchedulePeriod: unknown[] }> }).chargingSchedule[0]?.chargingSchedulePeriod[0];
    assert.deepEqual(cp.profiles.slice(1).map(period), [{ startPeriod: 0, limit: 16.2, numberPhases: 3 }, { startPeriod: 0, limit: 16.2, numberPhases: 1 }]);

    cp.profileStatus = 'Rejected';
    assert.deepEqual(await adapter.applyLimit(limit('cp1', 6)), { outcome: 'rejected', detail: 'Rejected' });
    assert.equal((await adapter.applyLimit(limit('cp1', 6))).outcome, 'rejected', 'a refused limit is tried again, not "unchanged"');
    await cp.close();
    assert.equal((await adapter.applyLimit(limit('cp1', 8))).outcome, 'offline');
    await waitForState(adapter, (s) => !s.connected);
    assert.deepEqual(cp.violations, []);
  });

  it('ends the open transaction on request (the last step when a charger ignores its limit)', async () => {
    const { cp, adapter } = await bootedChargePoint(t, 'cp2');
    assert.deepEqual(await adapter.stopTransaction(), { outcome: 'unchanged', detail: 'no transaction' });
    await cp.status('Occupied');
    await cp.transactionEvent('Started', { transactionId: 'stop-me', chargingState: 'Charging', meter: { energyWh: 10 } });
    const ended = waitForState(adapter, (s) => s.transactionId === undefined);
    assert.deepEqual(await adapter.stopTransaction(), { outcome: 'applied', detail: 'stop stop-me' });
    assert.deepEqual((await cp.waitForCall('RequestStopTransaction')).payload, { transactionId: 'stop-me' });
    assert.equal((await ended).status, 'finishing');
    assert.equal(adapter.transactionLog('stop-me').at(-1)?.triggerReason, 'RemoteStop');
    await finish(cp, adapter);
    assert.equal((await adapter.stopTransaction()).outcome, 'offline');
  });

  it('exposes the car\'s charging needs (ISO 15118) until its session ends', async () => {
    const { cp, adapter } = await bootedChargePoint(t, 'needs');
    const seen: Array<EvChargingNeeds | undefined> = [];
    adapter.onChargingNeeds((needs) => seen.push(needs));
    await cp.status('Occupied');
    const departureAtMs = t.clock.nowMs() + 3 * 3_600_000;
    assert.deepEqual(await cp.notifyEVChargingNeeds({ departureAtMs, energyAmountWh: 20_000, evMinCurrentA: 6, evMaxCurrentA: 16, evMaxVoltageV: 400 }), { status: 'Accepted' });
    assert.deepEqual(adapter.chargingNeeds, {
      evseId: 1, requestedEnergyTransfer: 'AC_three_phase', departureAtMs, energyAmountWh: 20_000,
      evMinCurrentA: 6, evMaxCurrentA: 16, evMaxVoltageV: 400, receivedAtMs: t.clock.nowMs(),
    });
    await cp.status('Available');
    assert.equal(adapter.chargingNeeds, undefined, 'the car left');
    assert.deepEqual(seen.map((needs) => needs?.energyAmountWh), [20_000, undefined]);
    await finish(cp, adapter);
  });

  it('acknowledges reports and notifications, keeping alarms, external limits and the device inventory', async () => {
    const { cp, adapter } = await bootedChargePoint(t, 'reports');
    const now = iso(t.clock.nowMs());
    assert.deepEqual(await cp.call('NotifyEvent', {
      generatedAt: now, seqNo: 0, eventData: [
        { eventId: 1, timestamp: now, trigger: 'Delta', actualValue: 'true', eventNotificationType: 'HardWiredNotification', component: { name: 'Connector', evse: { id: 1, connectorId: 1 } }, variable: { name: 'Problem' }, techCode: 'E42' },
        { eventId: 2, timestamp: now, trigger: 'Periodic', actualValue: '31.5', eventNotificationType: 'CustomMonitor', component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Temperature' } },
      ],
    }), {});
    assert.deepEqual(await cp.call('SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: now }), {});
    assert.deepEqual(adapter.alarms.map((a) => [a.kind, a.what, a.value]), [['event', 'Connector.Problem', 'true'], ['security', 'TamperDetectionActivated', undefined]]);

    assert.deepEqual(await cp.call('NotifyChargingLimit', {
      evseId: 1, chargingLimit: { chargingLimitSource: 'SO', isGridCritical: true },
      chargingSchedule: [{ id: 7, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 8 }] }],
    }), {});
    assert.deepEqual(adapter.externalLimits.map((l) => [l.source, l.isGridCritical, l.limit]), [['SO', true, { unit: 'A', value: 8 }]]);
    assert.deepEqual(await cp.call('ClearedChargingLimit', { chargingLimitSource: 'SO', evseId: 1 }), {});
    assert.deepEqual(adapter.externalLimits, []);

    assert.deepEqual(await cp.call('NotifyReport', {
      requestId: 3, generatedAt: now, seqNo: 0, tbc: false, reportData: [
        { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'ACPhaseSwitchingSupported' }, variableAttribute: [{ type: 'Actual', value: 'true', mutability: 'ReadOnly' }], variableCharacteristics: { dataType: 'boolean', supportsMonitoring: false } },
        { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' }, variableAttribute: [{ type: 'MaxSet', value: '22000' }, { type: 'Actual', value: '0' }], variableCharacteristics: { unit: 'W', dataType: 'decimal', supportsMonitoring: true } },
      ],
    }), {});
    const inventory = adapter.inventory;
    assert.equal(inventory.get('SmartChargingCtrlr.ACPhaseSwitchingSupported')?.value, 'true');
    assert.deepEqual([inventory.get('EVSE@1.Power')?.value, inventory.get('EVSE@1.Power')?.unit], ['0', 'W']);
    assert.equal(inventory.get('SmartChargingCtrlr.ProfileStackLevel')?.value, '8', 'GetVariables results are part of it');

    assert.deepEqual(await cp.call('FirmwareStatusNotification', { status: 'Installed', requestId: 1 }), {});
    assert.deepEqual(await cp.call('LogStatusNotification', { status: 'Uploaded', requestId: 2 }), {});
    assert.deepEqual(await cp.call('ReportChargingProfiles', {
      requestId: 4, chargingLimitSource: 'CSO', evseId: 1, tbc: false,
      chargingProfile: [{ id: 1001, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: [{ id: 1001, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] }] }],
    }), {});
    await finish(cp, adapter);
  });

  it('answers an action it does not implement with NotImplemented', async () => {
    const { cp, adapter } = await bootedChargePoint(t, 'cp1');
    await assert.rejects(cp.call('PublishFirmwareStatusNotification', { status: 'Idle' }), (error: unknown) => error instanceof CallErrorReply && error.code === 'NotImplemented');
    const reply = await cp.sendRaw('u1', [2, 'u1', 'MakeCoffee', { sugar: 2 }]);
    assert.ok(Array.isArray(reply));
    assert.deepEqual(reply.slice(0, 3), [4, 'u1', 'NotImplemented']);
    await finish(cp, adapter);
  });

  it('logs and tolerates a schema-invalid TransactionEvent, and other chargers are not affected', async () => {
    const { cp, adapter } = await bootedChargePoint(t, 'bad');
    const other = await bootedChargePoint(t, 'good');
    const before = log.lines.length;
    // No timestamp, triggerReason or seqNo, and a charging state from nowhere: still a readable transaction.
    const sloppy = await cp.sendRaw('x1', [2, 'x1', 'TransactionEvent', { eventType: 'Started', transactionInfo: { transactionId: 'sloppy', chargingState: 'Flying' }, evse: { id: 1 } }]);
    assert.deepEqual(sloppy, [3, 'x1', {}]);
    const hopeless = await cp.sendRaw('x2', [2, 'x2', 'TransactionEvent', { eventType: 'Begun', seqNo: 'one' }]);
    assert.deepEqual(hopeless, [3, 'x2', {}]);
    const lines = log.lines.slice(before);
    assert.ok(lines.some((l) => l.method === 'TransactionEvent' && String(l.msg).includes('does not match the schema')), 'the schema mismatch is logged');
    assert.ok(lines.some((l) => String(l.msg).includes('unknown charging state')));
    assert.ok(lines.some((l) => String(l.msg).includes('unreadable TransactionEvent')));
    assert.equal(adapter.snapshot().transactionId, 'sloppy', 'what could be read was used');

    assert.deepEqual(await other.cp.call('Heartbeat', {}), { currentTime: iso(t.clock.nowMs()) });
    assert.deepEqual(await cp.call('Heartbeat', {}), { currentTime: iso(t.clock.nowMs()) }, 'the sloppy charger is still served');
    assert.equal(other.adapter.snapshot().status, 'available');
    await finish(other.cp, other.adapter);
    await finish(cp, adapter);
  });

  it('chooses 2.0.1 for a charger that offers both versions, and 1.6 for one that offers only 1.6', async () => {
    const connected = nextConnection(t.server);
    const cp = await TestChargePoint.connect({ url: t.url, id: 'both', clock: t.clock, protocols: ['ocpp1.6', 'ocpp2.0.1'] });
    assert.equal(cp.protocol, 'ocpp2.0.1');
    const adapter = await connected;
    assert.ok(adapter instanceof Ocpp201Adapter);
    assert.equal((await cp.boot()).status, 'Accepted');
    await cp.waitForCall('SetVariables', 2);
    await finish(cp, adapter);

    const old = nextConnection(t.server);
    const raw = new RawCharger(t.url, 'old16', ['ocpp1.6']);
    await raw.open();
    assert.equal(raw.ws.protocol, 'ocpp1.6');
    assert.ok((await old) instanceof Ocpp16Adapter);
    raw.ws.close();
  });

  it('accepts TransactionEvents queued offline, orders them by seqNo and drops repeats', async () => {
    const first = await bootedChargePoint(t, 'queued');
    const { adapter } = first;
    const events: TransactionEvent[] = [];
    adapter.onTransaction((event) => events.push(event));
    const startMs = t.clock.nowMs();
    await first.cp.status('Occupied');
    await first.cp.transactionEvent('Started', { transactionId: 'q-1', seqNo: 0, chargingState: 'Charging', meter: { energyWh: 5000 } });
    await first.cp.transactionEvent('Updated', { transactionId: 'q-1', seqNo: 1, chargingState: 'Charging', atMs: startMs + 10_000, meter: { energyWh: 5100, powerW: 7000 } });
    await first.cp.close();
    await waitForState(adapter, (s) => !s.connected);
    assert.equal(adapter.snapshot().transactionId, 'q-1', 'a 2.0.1 transaction goes on while the charger is offline');

    // The line was down for a minute; the charger kept charging, then the car left.
    await t.clock.advance(60_000);
    const again = nextConnection(t.server);
    const cp = await TestChargePoint.connect({ url: t.url, id: 'queued', clock: t.clock });
    await again;
    const queued = (seqNo: number, eventType: 'Updated' | 'Ended', offsetMs: number, energyWh: number): object =>
      cp.transactionEventPayload(eventType, {
        transactionId: 'q-1', seqNo, offline: true, atMs: startMs + offsetMs, meter: { energyWh, powerW: eventType === 'Ended' ? 0 : 7000 },
        chargingState: eventType === 'Ended' ? 'Idle' : 'SuspendedEV', ...(eventType === 'Ended' ? { stoppedReason: 'EVDisconnected', triggerReason: 'EVCommunicationLost' } : {}),
      });
    // Delivered out of order, and seqNo 2 twice (its first answer "got lost").
    for (const payload of [queued(3, 'Updated', 40_000, 5300), queued(2, 'Updated', 20_000, 5200), queued(2, 'Updated', 20_000, 5200), queued(4, 'Ended', 50_000, 5350)]) {
      assert.deepEqual(await cp.call('TransactionEvent', payload), {});
    }
    await cp.status('Available');

    assert.deepEqual(adapter.transactionLog('q-1').map((e) => [e.seqNo, e.eventType, e.offline]), [
      [0, 'Started', false], [1, 'Updated', false], [2, 'Updated', true], [3, 'Updated', true], [4, 'Ended', true],
    ]);
    assert.deepEqual(adapter.transactionLog('q-1').map((e) => e.atMs - startMs), [0, 10_000, 20_000, 40_000, 50_000], 'each keeps the time it happened');
    const state = adapter.snapshot();
    assert.equal(state.transactionId, undefined);
    assert.equal(state.sessionEnergyWh, 350);
    assert.equal(state.status, 'available');
    // Reported as they arrived, each with the charger's time; the repeat of seqNo 2 is not reported twice.
    assert.deepEqual(events.map((e) => [e.kind, e.atMs - startMs]), [['started', 0], ['meter', 10_000], ['meter', 40_000], ['meter', 20_000], ['ended', 50_000]]);
    await finish(cp, adapter);
    assert.deepEqual(first.cp.violations, []);
  });

  it('does not let late offline events move the live state backwards', async () => {
    const { cp, adapter } = await bootedChargePoint(t, 'late');
    const startMs = t.clock.nowMs();
    await cp.status('Occupied');
    await cp.transactionEvent('Started', { transactionId: 'l-1', seqNo: 0, chargingState: 'Charging', meter: { energyWh: 100 } });
    await t.clock.advance(30_000);
    // A live event overtakes two the charger still had queued.
    await cp.transactionEvent('Updated', { transactionId: 'l-1', seqNo: 3, chargingState: 'SuspendedEVSE', meter: { energyWh: 400, powerW: 0 } });
    await cp.transactionEvent('Updated', { transactionId: 'l-1', seqNo: 1, offline: true, atMs: startMs + 10_000, chargingState: 'Charging', meter: { energyWh: 200, powerW: 7000 } });
    await cp.transactionEvent('Updated', { transactionId: 'l-1', seqNo: 2, offline: true, atMs: startMs + 20_000, chargingState: 'Charging', meter: { energyWh: 300, powerW: 7000 } });
    const state = adapter.snapshot();
    assert.equal(state.status, 'suspended-evse', 'the newest seqNo decides the charging state');
    assert.equal(state.powerW, 0, 'older samples do not overwrite newer ones');
    assert.equal(state.measuredAtMs, t.clock.nowMs());
    assert.equal(state.sessionEnergyWh, 300);
    assert.deepEqual(adapter.transactionLog().map((e) => e.seqNo), [0, 1, 2, 3]);
    await finish(cp, adapter);
  });

  it('takes a Started under the id of an ended transaction for a new transaction, not for a repeat', async () => {
    const { cp, adapter } = await bootedChargePoint(t, 'reuse');
    await cp.status('Occupied');
    await cp.transactionEvent('Started', { transactionId: '1', seqNo: 0, chargingState: 'Charging', meter: { energyWh: 100 } });
    await cp.transactionEvent('Ended', { transactionId: '1', seqNo: 1, meter: { energyWh: 300 } });
    // The station was reset and counts from 1 again.
    await cp.transactionEvent('Started', { transactionId: '1', seqNo: 0, chargingState: 'Charging', meter: { energyWh: 300 } });
    await cp.transactionEvent('Updated', { transactionId: '1', seqNo: 1, chargingState: 'Charging', meter: { energyWh: 350 } });
    const state = adapter.snapshot();
    assert.equal(state.transactionId, '1');
    assert.equal(state.status, 'charging');
    assert.equal(state.sessionEnergyWh, 50);
    assert.deepEqual(adapter.transactionLog('1').map((e) => e.eventType), ['Started', 'Updated']);
    await finish(cp, adapter);
  });

  it('configures a charger that reconnects without booting, and asks for its status', async () => {
    const connected = nextConnection(t.server);
    const cp = await TestChargePoint.connect({ url: t.url, id: 'again', clock: t.clock });
    const adapter = await connected;
    assert.ok(adapter instanceof Ocpp201Adapter);
    assert.equal(adapter.snapshot().status, 'unavailable');
    await t.clock.advance(5_000);
    const trigger = await cp.waitForCall('TriggerMessage');
    assert.deepEqual(trigger.payload, { requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } });
    assert.equal(cp.count('GetVariables'), 2);
    assert.equal(cp.count('SetVariables'), 2);
    await waitForState(adapter, (s) => s.status === 'available');
    await finish(cp, adapter);
  });
});

describe('a 2.0.1 charger that takes only power', () => {
  let t: TestServer;

  before(async () => {
    // 127 V phase-to-neutral (Brazil): W limits must come from the site voltage, never from a built-in 230.
    t = await startTestServer({ known: ['w1'], voltageV: 127 });
  });

  after(async () => {
    await t.server.close();
  });

  it('gets W = A × phases × the site voltage', async () => {
    const { cp, adapter } = await bootedChargePoint(t, 'w1', { variables: { 'SmartChargingCtrlr.RateUnit': 'W' } });
    assert.deepEqual(await adapter.applyLimit(limit('w1', 10)), { outcome: 'applied', detail: '3810 W' });
    assert.deepEqual(await adapter.applyLimit(limit('w1', 16, 1)), { outcome: 'applied', detail: '2032 W' });
    const schedules = cp.profiles.map((p) => (p.chargingProfile as { chargingSchedule: Array<{ chargingRateUnit: string; chargingSchedulePeriod: unknown[] }> }).chargingSchedule[0]);
    assert.deepEqual(schedules.map((s) => [s?.chargingRateUnit, s?.chargingSchedulePeriod[0]]), [
      ['W', { startPeriod: 0, limit: 3810, numberPhases: 3 }],
      ['W', { startPeriod: 0, limit: 2032, numberPhases: 1 }],
    ]);
    assert.deepEqual(await adapter.applyLimit(limit('w1', 16, 1)), { outcome: 'unchanged' });
    await finish(cp, adapter);
  });
});
