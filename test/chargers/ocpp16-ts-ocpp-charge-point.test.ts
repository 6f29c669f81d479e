import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import tsOcpp from '@voltbras/ts-ocpp';
import type { ChargerAdapter } from '../../src/chargers/charger-adapter.ts';
import type { AdmitRequest } from '../../src/chargers/ocpp-server.ts';
import { nextConnection, startTestServer, waitForState, type TestServer } from './ocpp-test-kit.ts';

/**
 * An OCPP 1.6J charge point we did not write (@voltbras/ts-ocpp, which validates every request it receives against
 * its own copy of the 1.6 JSON schemas and answers invalid ones with a CALLERROR) talks to our server. It offers the
 * subprotocol itself: its ChargePoint opens `new WebSocket(url, ['ocpp1.6'])`.
 */

type Handler = ConstructorParameters<typeof tsOcpp.ChargePoint>[1];

interface Received {
  action: string;
  payload: Record<string, unknown>;
}

/** A ts-ocpp charge point that records what the central system asks and answers like a simple wallbox. */
function startChargePoint(url: string, id: string, rateUnit: string): { cp: InstanceType<typeof tsOcpp.ChargePoint>; received: Received[]; next: (action: string) => Promise<Received> } {
  const received: Received[] = [];
  const waiting: Array<{ action: string; resolve: (r: Received) => void }> = [];
  const handler: Handler = (request) => {
    const { action, ocppVersion, ...payload } = request;
    const entry = { action, payload };
    received.push(entry);
    for (const w of waiting.filter((x) => x.action === action)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(entry);
    }
    switch (request.action) {
      case 'GetConfiguration':
        return { action: request.action, ocppVersion, configurationKey: [
          { key: 'ChargeProfileMaxStackLevel', readonly: true, value: '0' },
          { key: 'ChargingScheduleAllowedChargingRateUnit', readonly: true, value: rateUnit },
          { key: 'SupportedFeatureProfiles', readonly: true, value: 'Core,SmartCharging' },
        ] };
      case 'ChangeConfiguration':
        return { action: request.action, ocppVersion, status: 'Accepted' };
      case 'SetChargingProfile':
        return { action: request.action, ocppVersion, status: 'Accepted' };
      case 'TriggerMessage':
        return { action: request.action, ocppVersion, status: 'Rejected' };
      default:
        throw new Error(`not handled: ${request.action}`);
    }
  };
  const cp = new tsOcpp.ChargePoint(id, handler, url);
  const next = (action: string): Promise<Received> => {
    const seen = received.find((r) => r.action === action);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiting.push({ action, resolve }));
  };
  return { cp, received, next };
}

describe('an independent 1.6J charge point (@voltbras/ts-ocpp) against our server', () => {
  let t: TestServer;
  const admitted: AdmitRequest[] = [];

  before(async () => {
    t = await startTestServer({
      voltageV: 220,
      admit: (request) => {
        admitted.push(request);
        return request.identity.startsWith('ts-') ? 'accept' : 'reject';
      },
    });
  });

  after(async () => {
    await t.server.close();
  });

  it('boots, authorizes, starts a transaction, sends meter values and receives our charging profile', async () => {
    const { server } = t;
    const { cp, received, next } = startChargePoint(t.url, 'ts-amps', 'Current');
    const connected = nextConnection(server);
    await cp.connect();
    const adapter: ChargerAdapter = await connected;
    assert.equal(admitted[0]?.identity, 'ts-amps');
    assert.equal(admitted[0]?.protocol, 'ocpp1.6', 'ts-ocpp offered the ocpp1.6 subprotocol');

    const boot = (await cp.sendRequest({ action: 'BootNotification', ocppVersion: 'v1.6-json', payload: { chargePointVendor: 'Voltbras', chargePointModel: 'ts-ocpp' } }).run()).unsafeCoerce();
    assert.equal(boot.status, 'Accepted');
    assert.equal('interval' in boot ? boot.interval : undefined, 60); // ts-ocpp types 1.6 and SOAP 1.5 answers together
    assert.equal(boot.currentTime, new Date(t.clock.nowMs()).toISOString());
    await next('ChangeConfiguration');

    const auth = (await cp.sendRequest({ action: 'Authorize', ocppVersion: 'v1.6-json', payload: { idTag: 'RFID-42' } }).run()).unsafeCoerce();
    assert.equal(auth.idTagInfo.status, 'Accepted');
    const start = (await cp.sendRequest({ action: 'StartTransaction', ocppVersion: 'v1.6-json', payload: {
      connectorId: 1, idTag: 'RFID-42', meterStart: 1_000_000, timestamp: new Date(t.clock.nowMs()).toISOString(),
    } }).run()).unsafeCoerce();
    assert.ok(Number.isInteger(start.transactionId));
    (await cp.sendRequest({ action: 'StatusNotification', ocppVersion: 'v1.6-json', payload: { connectorId: 1, errorCode: 'NoError', status: 'Charging' } }).run()).unsafeCoerce();

    const measured = waitForState(adapter, (s) => s.powerW > 0);
    (await cp.sendRequest({ action: 'MeterValues', ocppVersion: 'v1.6-json', payload: {
      connectorId: 1,
      transactionId: start.transactionId,
      meterValue: [{
        timestamp: new Date(t.clock.nowMs()).toISOString(),
        sampledValue: [
          { value: '1001.5', measurand: 'Energy.Active.Import.Register', unit: 'kWh' },
          { value: '2.3', measurand: 'Power.Active.Import', phase: 'L1-N', unit: 'kW' },
          { value: '2.2', measurand: 'Power.Active.Import', phase: 'L2-N', unit: 'kW' },
          { value: '10.1', measurand: 'Current.Import', phase: 'L1-N', unit: 'A' },
          { value: '9.6', measurand: 'Current.Import', phase: 'L2-N', unit: 'A' },
          { value: '16', measurand: 'Current.Offered', unit: 'A' },
        ],
      }],
    } }).run()).unsafeCoerce();
    const state = await measured;
    assert.equal(state.status, 'charging');
    assert.equal(state.transactionId, String(start.transactionId));
    assert.equal(Math.round(state.powerW), 4500);
    assert.deepEqual(state.phaseCurrentsA, [10.1, 9.6]);
    assert.equal(state.offeredCurrentA, 16);
    assert.equal(state.sessionEnergyWh, 1500);

    const result = await adapter.applyLimit({ chargerId: 'ts-amps', currentA: 10.37, phases: 1, reason: 'solar-surplus', safety: false });
    assert.equal(result.outcome, 'applied', 'ts-ocpp accepted our SetChargingProfile after validating it');
    const set = received.filter((r) => r.action === 'SetChargingProfile');
    assert.equal(set.length, 1);
    assert.deepEqual(set[0]?.payload, {
      connectorId: 1,
      csChargingProfiles: {
        chargingProfileId: 1001,
        stackLevel: 0, // min(our default 1, the charger's ChargeProfileMaxStackLevel 0)
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: {
          startSchedule: new Date(t.clock.nowMs() - 60_000).toISOString(),
          chargingRateUnit: 'A',
          chargingSchedulePeriod: [{ startPeriod: 0, limit: 10.3, numberPhases: 1 }],
        },
      },
    });

    (await cp.sendRequest({ action: 'StopTransaction', ocppVersion: 'v1.6-json', payload: {
      transactionId: start.transactionId, meterStop: 1_002_000, timestamp: new Date(t.clock.nowMs()).toISOString(),
    } }).run()).unsafeCoerce();
    const stopped = await waitForState(adapter, (s) => s.transactionId === undefined);
    assert.equal(stopped.sessionEnergyWh, 2000);
    cp.close();
  });

  it('receives watts from us when it takes only power schedules (W = A x phases x site voltage)', async () => {
    const { server } = t;
    const { cp, received, next } = startChargePoint(t.url, 'ts-watts', 'Power');
    const connected = nextConnection(server);
    await cp.connect();
    const adapter = await connected;
    (await cp.sendRequest({ action: 'BootNotification', ocppVersion: 'v1.6-json', payload: { chargePointVendor: 'Voltbras', chargePointModel: 'ts-ocpp' } }).run()).unsafeCoerce();
    await next('GetConfiguration');
    const result = await adapter.applyLimit({ chargerId: 'ts-watts', currentA: 10, phases: 3, reason: 'fast', safety: false });
    assert.equal(result.outcome, 'applied');
    const schedule = (received.find((r) => r.action === 'SetChargingProfile')?.payload.csChargingProfiles as { chargingSchedule: unknown }).chargingSchedule;
    assert.deepEqual(schedule, {
      startSchedule: new Date(t.clock.nowMs() - 60_000).toISOString(),
      chargingRateUnit: 'W',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 * 3 * 220, numberPhases: 3 }],
    });
    cp.close();
  });
});
