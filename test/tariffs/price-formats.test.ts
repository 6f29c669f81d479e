import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  parseAwattarJson, parseEnergyChartsJson, parsePriceText, parseSmardCsv, parseSunplugCsv, parseSunplugJson,
  PriceFormatError,
} from '../../src/tariffs/price-formats.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/smard/', import.meta.url));
const H = 3_600_000;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(':00.000Z', 'Z');
}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof PriceFormatError, `expected a PriceFormatError, got ${String(error)}`);
    return error.problems;
  }
  return assert.fail('expected the text to be rejected');
}

describe('sunplug CSV', () => {
  it('reads slots with zones, skipping comments and blank lines', () => {
    const text = '# my supplier\nstart,end,pricePerKWh\n2024-06-01T00:00:00+02:00,2024-06-01T01:00:00+02:00,0.2841\n\n'
      + '2024-06-01T01:00+02:00,2024-06-01T00:00:00Z,-0.01\n';
    assert.deepEqual(parseSunplugCsv(text).slots.map((s) => [iso(s.startMs), iso(s.endMs), s.pricePerKWh]), [
      ['2024-05-31T22:00Z', '2024-05-31T23:00Z', 0.2841],
      ['2024-05-31T23:00Z', '2024-06-01T00:00Z', -0.01],
    ]);
  });

  const bad: { name: string; text: string; problem: RegExp }[] = [
    { name: 'a missing header', text: '2024-06-01T00:00Z,2024-06-01T01:00Z,0.2', problem: /^line 1: expected the header/ },
    { name: 'a time without a zone', text: 'start,end,pricePerKWh\n2024-06-01T00:00,2024-06-01T01:00Z,0.2', problem: /^line 2: start: .*with a zone/ },
    { name: 'a decimal comma', text: 'start,end,pricePerKWh\n2024-06-01T00:00Z,2024-06-01T01:00Z,"0,2"', problem: /^line 2: expected 3 values/ },
    { name: 'a price that is not a number', text: 'start,end,pricePerKWh\n2024-06-01T00:00Z,2024-06-01T01:00Z,cheap', problem: /^line 2: pricePerKWh: "cheap" is not a number/ },
    { name: 'an end before the start', text: 'start,end,pricePerKWh\n2024-06-01T01:00Z,2024-06-01T00:00Z,0.2', problem: /^line 2: end is not after start/ },
    { name: 'overlapping rows', text: 'start,end,pricePerKWh\n2024-06-01T00:00Z,2024-06-01T01:00Z,0.2\n2024-06-01T00:30Z,2024-06-01T01:30Z,0.3', problem: /^line 3: starts before the slot on line 2 ends/ },
  ];
  for (const row of bad) {
    it(`rejects ${row.name}, naming the line`, () => {
      const problems = problemsOf(() => parseSunplugCsv(row.text, 'prices.csv'));
      assert.ok(problems.some((p) => row.problem.test(p)), `got: ${problems.join(' | ')}`);
    });
  }

  it('reports every bad line at once, and the file name in the message', () => {
    const text = 'start,end,pricePerKWh\nx,2024-06-01T01:00Z,0.2\n2024-06-01T01:00Z,2024-06-01T02:00Z,0.2\n2024-06-01T02:00Z,y,z\n';
    assert.throws(() => parseSunplugCsv(text, 'data/prices.csv'), (error: unknown) => {
      assert.ok(error instanceof PriceFormatError);
      assert.deepEqual(error.problems.map((p) => p.split(':')[0]), ['line 2', 'line 4']);
      assert.match(error.message, /^data\/prices\.csv: 2 problems/);
      return true;
    });
  });
});

describe('sunplug JSON', () => {
  it('reads slots', () => {
    const text = JSON.stringify({ prices: [{ start: '2024-06-01T00:00Z', end: '2024-06-01T00:15Z', pricePerKWh: 0.3 }] });
    assert.deepEqual(parseSunplugJson(text).slots, [{ startMs: Date.UTC(2024, 5, 1), endMs: Date.UTC(2024, 5, 1, 0, 15), pricePerKWh: 0.3 }]);
  });

  it('names the line of a bad entry', () => {
    const text = `{
  "prices": [
    { "start": "2024-06-01T00:00Z", "end": "2024-06-01T01:00Z", "pricePerKWh": 0.3 },
    { "start": "2024-06-01T01:00Z", "end": "2024-06-01T02:00Z", "pricePerKWh": "0.3" },
    { "start": "2024-06-01 02:00", "end": "2024-06-01T03:00Z", "pricePerKWh": 0.3 }
  ]
}`;
    const problems = problemsOf(() => parseSunplugJson(text));
    assert.equal(problems.length, 2, problems.join(' | '));
    assert.match(problems[0]!, /^line 4 \(prices\.1\.pricePerKWh\): .*expected number/);
    assert.match(problems[1]!, /^line 5 \(prices\.2\.start\): .*with a zone/);
  });

  it('names the line and column of malformed JSON', () => {
    const problems = problemsOf(() => parseSunplugJson('{\n  "prices": [\n    { "start": 1, }\n  ]\n}'));
    assert.match(problems[0]!, /^line 3, column \d+: malformed JSON/);
  });

  it('rejects overlapping entries', () => {
    const text = JSON.stringify({ prices: [
      { start: '2024-06-01T00:00Z', end: '2024-06-01T01:00Z', pricePerKWh: 0.3 },
      { start: '2024-06-01T00:30Z', end: '2024-06-01T01:30Z', pricePerKWh: 0.3 },
    ] }, null, 1);
    assert.match(problemsOf(() => parseSunplugJson(text))[0]!, /prices\.1\): starts before the slot on line \d+ \(prices\.0\) ends/);
  });
});

describe('SMARD CSV', () => {
  it('reads the spring-forward export: 23 hours on 31 March 2024, despite its odd "Datum bis"', () => {
    const { slots, currency } = parseSmardCsv(readFileSync(`${FIXTURES}smard-de-2024-03-30-to-04-01.csv`, 'utf8'));
    assert.equal(currency, 'EUR');
    assert.equal(slots.length, 24 + 23 + 24);
    assert.equal(iso(slots[0]!.startMs), '2024-03-29T23:00Z');
    const day = slots.filter((s) => s.startMs >= Date.UTC(2024, 2, 30, 23) && s.startMs < Date.UTC(2024, 2, 31, 22));
    assert.equal(day.length, 23);
    // 00:00 and 01:00 CET, then 03:00 CEST: contiguous hours in UTC.
    assert.deepEqual(day.slice(0, 3).map((s) => [iso(s.startMs), s.pricePerKWh]),
      [['2024-03-30T23:00Z', 0.0757], ['2024-03-31T00:00Z', 0.06671], ['2024-03-31T01:00Z', 0.06498]]);
    for (let i = 1; i < slots.length; i++) assert.equal(slots[i]!.startMs, slots[i - 1]!.endMs, 'no gap, no overlap');
  });

  it('reads the fall-back export: the repeated 02:00 row is the second 02:00', () => {
    const { slots } = parseSmardCsv(readFileSync(`${FIXTURES}smard-de-2023-10-28-to-30.csv`, 'utf8'));
    assert.equal(slots.length, 24 + 25 + 24);
    const repeated = slots.filter((s) => s.startMs === Date.UTC(2023, 9, 29, 0) || s.startMs === Date.UTC(2023, 9, 29, 1));
    assert.deepEqual(repeated.map((s) => s.pricePerKWh), [0.00001, 0.00002]);
    for (let i = 1; i < slots.length; i++) assert.equal(slots[i]!.startMs - slots[i - 1]!.startMs, H);
  });

  it('reads another column by its name, and leaves "-" as a gap', () => {
    const text = readFileSync(`${FIXTURES}smard-de-2024-03-30-to-04-01.csv`, 'utf8');
    assert.equal(parseSmardCsv(text, { column: 'Frankreich' }).slots.length, 71);
    assert.equal(parseSmardCsv(text, { column: 'DE/AT/LU' }).slots.length, 0);
    assert.match(problemsOf(() => parseSmardCsv(text, { column: 'Atlantis' }))[0]!, /^line 1: no price column starting with "Atlantis"/);
  });

  it('rejects a bad row naming its line, and thousands separators are read', () => {
    const header = 'Datum von;Datum bis;Deutschland/Luxemburg [€/MWh] Originalauflösungen';
    const text = `${header}\n01.06.2024 00:00;01.06.2024 01:00;1.234,50\n01.06.2024 01:00;01.06.2024 02:00;zwölf\n2024-06-01 02:00;01.06.2024 03:00;5,00\n`;
    const problems = problemsOf(() => parseSmardCsv(text));
    assert.deepEqual(problems.map((p) => p.split(':')[0]), ['line 3', 'line 4']);
    const ok = parseSmardCsv(`${header}\n01.06.2024 00:00;01.06.2024 01:00;1.234,50\n`).slots;
    assert.equal(ok[0]!.pricePerKWh, 1.2345);
  });
});

describe('provider JSON formats', () => {
  it('aWATTar: EUR/MWh to EUR/kWh', () => {
    const text = JSON.stringify({ object: 'list', data: [
      { start_timestamp: 1717192800000, end_timestamp: 1717196400000, marketprice: 85.96, unit: 'Eur/MWh' },
      { start_timestamp: 1717196400000, end_timestamp: 1717200000000, marketprice: -5.12, unit: 'Eur/MWh' },
    ] });
    const parsed = parseAwattarJson(text);
    assert.equal(parsed.currency, 'EUR');
    assert.deepEqual(parsed.slots.map((s) => s.pricePerKWh), [0.08596, -0.00512]);
  });

  it('aWATTar: a bad entry is named by its line', () => {
    const text = '{"object":"list","data":[\n{"start_timestamp":1,"end_timestamp":2,"marketprice":1,"unit":"Eur/MWh"},\n{"start_timestamp":2,"end_timestamp":3,"marketprice":null,"unit":"Eur/MWh"}\n]}';
    assert.match(problemsOf(() => parseAwattarJson(text))[0]!, /^line 3 \(data\.1\.marketprice\)/);
  });

  it('Energy-Charts: each price lasts until the next, the last for the usual step; null is a gap', () => {
    const t0 = Date.UTC(2025, 9, 1, 22) / 1000;
    const text = JSON.stringify({ license_info: 'CC BY 4.0', unix_seconds: [t0, t0 + 900, t0 + 1800, t0 + 2700], price: [100, null, 80.5, 70], unit: 'EUR / MWh', deprecated: false });
    const { slots, currency } = parseEnergyChartsJson(text);
    assert.equal(currency, 'EUR');
    assert.deepEqual(slots.map((s) => [(s.startMs / 1000 - t0) / 60, (s.endMs - s.startMs) / 60_000, s.pricePerKWh]),
      [[0, 15, 0.1], [30, 15, 0.0805], [45, 15, 0.07]]);
  });

  it('Energy-Charts: arrays of different lengths and unknown units are refused', () => {
    assert.match(problemsOf(() => parseEnergyChartsJson(JSON.stringify({ unix_seconds: [1, 2], price: [1], unit: 'EUR / MWh' })))[0]!, /2 entries but price has 1/);
    assert.match(problemsOf(() => parseEnergyChartsJson(JSON.stringify({ unix_seconds: [1], price: [1], unit: 'kg' })))[0]!, /unknown unit "kg"/);
  });

  it('dispatches by format name', () => {
    const text = 'start,end,pricePerKWh\n2024-06-01T00:00Z,2024-06-01T01:00Z,0.2\n';
    assert.equal(parsePriceText(text, 'sunplug-csv').slots.length, 1);
  });
});
