import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SampledValue } from '../../src/chargers/ocpp16/messages.ts';
import { parseMeterValues } from '../../src/chargers/ocpp16/meter-values.ts';

const T0 = '2026-06-21T10:00:00.000Z';
const T0_MS = Date.parse(T0);

function one(sampledValue: SampledValue[], timestamp = T0) {
  const samples = parseMeterValues([{ timestamp, sampledValue }]);
  assert.equal(samples.length, 1);
  return samples[0];
}

describe('parsing OCPP 1.6 MeterValues', () => {
  it('reads a value without measurand as the energy register in Wh', () => {
    assert.deepEqual(one([{ value: '12345' }]), { atMs: T0_MS, energyWh: 12345 });
  });

  it('scales kWh and kW to Wh and W', () => {
    const sample = one([
      { value: '12.5', measurand: 'Energy.Active.Import.Register', unit: 'kWh' },
      { value: '7.36', measurand: 'Power.Active.Import', unit: 'kW' },
    ]);
    assert.equal(sample?.energyWh, 12500);
    assert.equal(sample?.powerW, 7360);
  });

  it('sums per-phase power when no total is sent, and prefers the total when both are', () => {
    const perPhase = one(['L1', 'L2-N', 'L3'].map((phase) => ({ value: '1000', measurand: 'Power.Active.Import', phase })));
    assert.equal(perPhase?.powerW, 3000);
    const both = one([
      { value: '1000', measurand: 'Power.Active.Import', phase: 'L1' },
      { value: '2990', measurand: 'Power.Active.Import' },
      { value: '1000', measurand: 'Power.Active.Import', phase: 'L2' },
    ]);
    assert.equal(both?.powerW, 2990);
  });

  it('reads Current.Import per phase (L1 or L1-N), ignoring the neutral', () => {
    const sample = one([
      { value: '16.1', measurand: 'Current.Import', phase: 'L1-N', unit: 'A' },
      { value: '15.9', measurand: 'Current.Import', phase: 'L2' },
      { value: '16.0', measurand: 'Current.Import', phase: 'L3-N' },
      { value: '0.4', measurand: 'Current.Import', phase: 'N' },
    ]);
    assert.deepEqual(sample?.phaseCurrentsA, [16.1, 15.9, 16]);
    assert.deepEqual(one([{ value: '9.5', measurand: 'Current.Import' }])?.phaseCurrentsA, [9.5], 'one value without phase');
    assert.deepEqual(one([{ value: '6', measurand: 'Current.Import', phase: 'L1' }])?.phaseCurrentsA, [6], 'a one-phase charger');
  });

  it('reads Current.Offered, the mean phase voltage and SoC', () => {
    const sample = one([
      { value: '10', measurand: 'Current.Offered' },
      { value: '229', measurand: 'Voltage', phase: 'L1-N', unit: 'V' },
      { value: '231', measurand: 'Voltage', phase: 'L2-N', unit: 'V' },
      { value: '400', measurand: 'Voltage', phase: 'L1-L2', unit: 'V' },
      { value: '81', measurand: 'SoC', unit: 'Percent', location: 'EV' },
    ]);
    assert.equal(sample?.offeredCurrentA, 10);
    assert.equal(sample?.voltageV, 230);
    assert.equal(sample?.socPct, 81);
  });

  it('uses the Outlet values when a charger reports both Inlet and Outlet', () => {
    const sample = one([
      { value: '3000', measurand: 'Power.Active.Import', phase: 'L1', location: 'Inlet' },
      { value: '2900', measurand: 'Power.Active.Import', phase: 'L1', location: 'Outlet' },
    ]);
    assert.equal(sample?.powerW, 2900);
  });

  it('skips unusable values and reports why, without throwing', () => {
    const skipped: string[] = [];
    const samples = parseMeterValues([
      { timestamp: 'yesterday', sampledValue: [{ value: '1' }] },
      { timestamp: T0, sampledValue: [
        { value: 'n/a', measurand: 'Power.Active.Import' },
        { value: '5', measurand: 'Power.Active.Import', unit: 'varh' },
        { value: '', measurand: 'Current.Offered' },
        { value: 'abc', format: 'SignedData' },
        { value: '21.5', measurand: 'Temperature', unit: 'Celsius' },
      ] },
    ], (why) => skipped.push(why));
    assert.deepEqual(samples, [{ atMs: T0_MS }]);
    assert.equal(skipped.length, 4);
  });

  it('returns samples sorted by time', () => {
    const later = '2026-06-21T10:00:10.000Z';
    const samples = parseMeterValues([
      { timestamp: later, sampledValue: [{ value: '2' }] },
      { timestamp: T0, sampledValue: [{ value: '1' }] },
    ]);
    assert.deepEqual(samples.map((s) => s.energyWh), [1, 2]);
  });
});
