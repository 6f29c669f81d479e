import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { txDefaultProfile201Request } from '../../../src/chargers/ocpp201/charging-profile.ts';
import { chooseRateUnit201, DeviceModel } from '../../../src/chargers/ocpp201/device-model.ts';
import type { SampledValue201 } from '../../../src/chargers/ocpp201/messages.ts';
import { parseMeterValues201 } from '../../../src/chargers/ocpp201/meter-values.ts';
import { mapOcpp201Status, type EvseCondition } from '../../../src/chargers/ocpp201/status.ts';
import { TransactionRecord } from '../../../src/chargers/ocpp201/transaction-record.ts';
import { schemaProblem } from '../../../src/chargers/ocpp-rpc-types.ts';

const T0 = '2026-06-21T10:00:00.000Z';
const T0_MS = Date.parse(T0);

function one(sampledValue: SampledValue201[]) {
  const samples = parseMeterValues201([{ timestamp: T0, sampledValue }]);
  assert.equal(samples.length, 1);
  return samples[0];
}

describe('mapping 2.0.1 connector status and charging state to Sunplug status', () => {
  const cases: Array<[string, EvseCondition, string]> = [
    ['nothing reported yet', { transactionOpen: false, endedWhileOccupied: false }, 'unavailable'],
    ['free connector', { connectorStatus: 'Available', transactionOpen: false, endedWhileOccupied: false }, 'available'],
    ['car plugged, no transaction', { connectorStatus: 'Occupied', transactionOpen: false, endedWhileOccupied: false }, 'preparing'],
    ['car plugged, transaction ended', { connectorStatus: 'Occupied', transactionOpen: false, endedWhileOccupied: true }, 'finishing'],
    ['transaction, EV connected', { connectorStatus: 'Occupied', chargingState: 'EVConnected', transactionOpen: true, endedWhileOccupied: false }, 'preparing'],
    ['transaction, charging', { connectorStatus: 'Occupied', chargingState: 'Charging', transactionOpen: true, endedWhileOccupied: false }, 'charging'],
    ['transaction, car paused', { connectorStatus: 'Occupied', chargingState: 'SuspendedEV', transactionOpen: true, endedWhileOccupied: false }, 'suspended-ev'],
    ['transaction, wallbox paused', { connectorStatus: 'Occupied', chargingState: 'SuspendedEVSE', transactionOpen: true, endedWhileOccupied: false }, 'suspended-evse'],
    ['charging before any StatusNotification', { chargingState: 'Charging', transactionOpen: true, endedWhileOccupied: false }, 'charging'],
    ['transaction started by RFID before the car came', { connectorStatus: 'Available', chargingState: 'Idle', transactionOpen: true, endedWhileOccupied: false }, 'available'],
    ['a fault wins over charging', { connectorStatus: 'Faulted', chargingState: 'Charging', transactionOpen: true, endedWhileOccupied: false }, 'faulted'],
    ['unavailable', { connectorStatus: 'Unavailable', transactionOpen: false, endedWhileOccupied: false }, 'unavailable'],
    ['reserved', { connectorStatus: 'Reserved', transactionOpen: false, endedWhileOccupied: false }, 'reserved'],
  ];
  for (const [name, condition, expected] of cases) {
    it(`${name} → ${expected}`, () => assert.equal(mapOcpp201Status(condition), expected));
  }
});

describe('parsing 2.0.1 meter values', () => {
  it('applies unitOfMeasure and its power-of-ten multiplier', () => {
    const sample = one([
      { value: 12.5, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh' } },
      { value: 7.36, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W', multiplier: 3 } },
      { value: 16000, measurand: 'Current.Offered', unitOfMeasure: { unit: 'A', multiplier: -3 } },
    ]);
    assert.equal(sample?.energyWh, 12_500);
    assert.equal(sample?.powerW, 7360);
    assert.equal(sample?.offeredCurrentA, 16);
  });

  it('reads a value without measurand as the energy register, and a value without unit in the measurand\'s unit', () => {
    assert.deepEqual(one([{ value: 4321 }]), { atMs: T0_MS, energyWh: 4321 });
    assert.deepEqual(one([{ value: 10, measurand: 'Current.Import', phase: 'L1' }])?.phaseCurrentsA, [10]);
  });

  it('reads per-phase currents and voltages, SoC, and sums per-phase power without a total', () => {
    const sample = one([
      ...['L1', 'L2', 'L3'].map((phase, i) => ({ value: 15 + i, measurand: 'Current.Import', phase, unitOfMeasure: { unit: 'A' } })),
      ...['L1-N', 'L2-N', 'L3-N'].map((phase) => ({ value: 229, measurand: 'Voltage', phase, unitOfMeasure: { unit: 'V' } })),
      ...['L1', 'L2', 'L3'].map((phase) => ({ value: 3.5, measurand: 'Power.Active.Import', phase, unitOfMeasure: { unit: 'kW' } })),
      { value: 63, measurand: 'SoC', location: 'EV', unitOfMeasure: { unit: 'Percent' } },
    ]);
    assert.deepEqual(sample?.phaseCurrentsA, [15, 16, 17]);
    assert.equal(sample?.voltageV, 229);
    assert.equal(sample?.powerW, 10_500);
    assert.equal(sample?.socPct, 63);
  });

  it('tolerates numbers sent as strings and skips what is not a number, without throwing', () => {
    const skipped: string[] = [];
    const samples = parseMeterValues201([{ timestamp: T0, sampledValue: [
      { value: '7400', measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W' } },
      { value: 'n/a', measurand: 'Energy.Active.Import.Register' },
      { value: 5, measurand: 'Current.Import', unitOfMeasure: { unit: 'furlong' } },
    ] }], (why) => skipped.push(why));
    assert.deepEqual(samples, [{ atMs: T0_MS, powerW: 7400 }]);
    assert.equal(skipped.length, 2);
  });
});

describe('the 2.0.1 device model', () => {
  const model = (values: Record<string, string>): DeviceModel => {
    const m = new DeviceModel();
    for (const [name, value] of Object.entries(values)) {
      const [variable, instance] = name.split('/');
      m.record({ component: { name: 'SmartChargingCtrlr' }, variable: { name: variable ?? name, ...(instance ? { instance } : {}) }, value, atMs: 0 });
    }
    return m;
  };

  it('reads the smart-charging capabilities, ignoring values it cannot parse', () => {
    const capabilities = model({ Enabled: 'True', RateUnit: 'A, W', ProfileStackLevel: '3', 'Entries/ChargingProfiles': '12', PeriodsPerSchedule: 'many', LimitChangeSignificance: '0.05' }).capabilities();
    assert.equal(capabilities.smartChargingEnabled, true);
    assert.deepEqual([...(capabilities.rateUnits ?? [])], ['A', 'W']);
    assert.equal(capabilities.maxStackLevel, 3);
    assert.equal(capabilities.maxProfiles, 12);
    assert.equal(capabilities.periodsPerSchedule, undefined);
    assert.equal(capabilities.limitChangeSignificance, 0.05);
  });

  it('writes limits in W only for a charger that takes only W', () => {
    assert.equal(chooseRateUnit201(model({ RateUnit: 'W' }).capabilities()), 'W');
    assert.equal(chooseRateUnit201(model({ RateUnit: 'A,W' }).capabilities()), 'A');
    assert.equal(chooseRateUnit201(model({}).capabilities()), 'A');
  });

  it('keeps a report\'s characteristics when a later read brings only the value', () => {
    const m = new DeviceModel();
    const address = { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' } };
    m.record({ ...address, unit: 'W', dataType: 'decimal', atMs: 1 });
    m.record({ ...address, value: '7000', atMs: 2 });
    assert.deepEqual(m.entries().get('EVSE@1.Power'), { ...address, unit: 'W', dataType: 'decimal', value: '7000', atMs: 2 });
  });
});

describe('a 2.0.1 transaction record', () => {
  const entry = (seqNo: number, eventType: 'Started' | 'Updated' | 'Ended', atMs: number, chargingState?: 'Charging' | 'SuspendedEV') => ({
    seqNo, eventType, atMs, offline: false, receivedAtMs: 0, ...(chargingState ? { chargingState } : {}),
  });

  it('keeps events in seqNo order, refuses repeats and lists the gaps', () => {
    const record = new TransactionRecord('t');
    assert.equal(record.add(entry(2, 'Updated', 20, 'SuspendedEV')), true);
    assert.equal(record.add(entry(0, 'Started', 0, 'Charging')), true);
    assert.equal(record.add(entry(2, 'Updated', 20)), false);
    assert.equal(record.add(entry(5, 'Ended', 50)), true);
    assert.deepEqual(record.events.map((e) => e.seqNo), [0, 2, 5]);
    assert.deepEqual(record.missingSeqNos(), [1, 3, 4]);
    assert.equal(record.chargingState, 'SuspendedEV', 'the late Started does not override a newer state');
    assert.equal(record.startedAtMs, 0);
    assert.equal(record.ended, true);
  });

  it('counts session energy from the Started register, whatever order the registers arrive in', () => {
    const record = new TransactionRecord('t');
    record.noteRegisters([{ atMs: 2, energyWh: 1300 }], false);
    record.noteRegisters([{ atMs: 1, energyWh: 1200 }], false);
    assert.equal(record.sessionEnergyWh, 100, 'adopted midway: from the lowest register seen');
    record.noteRegisters([{ atMs: 0, energyWh: 1000 }], true);
    assert.equal(record.sessionEnergyWh, 300);
    const bogus = new TransactionRecord('z');
    bogus.noteRegisters([{ atMs: 0, energyWh: 2_147_483_647 }], true);
    bogus.noteRegisters([{ atMs: 1, energyWh: 500 }, { atMs: 2, energyWh: 600 }], false);
    assert.equal(bogus.sessionEnergyWh, 100, 'a start register above later readings is ignored');
  });
});

describe('the 2.0.1 TxDefaultProfile', () => {
  it('fits ocpp-rpc\'s bundled SetChargingProfile schema for A and W', () => {
    for (const [unit, value] of [['A', 6.1], ['W', 4140]] as const) {
      const request = txDefaultProfile201Request({ evseId: 1, chargingProfileId: 1001, chargingScheduleId: 1001, stackLevel: 1, startScheduleMs: T0_MS, unit, limit: value, numberPhases: 1 });
      assert.equal(schemaProblem('ocpp2.0.1', 'urn:SetChargingProfile.req', request), undefined);
    }
    assert.notEqual(schemaProblem('ocpp2.0.1', 'urn:SetChargingProfile.req', { evseId: 1, chargingProfile: { id: 1 } }), undefined, 'the schema check is live');
  });
});
