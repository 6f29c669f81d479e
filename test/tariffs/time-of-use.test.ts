import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../src/store/config-file.ts';
import { localToUtcCandidatesMs, localToUtcMs, offsetChangesMs, toLocal } from '../../src/tariffs/local-time.ts';
import { timeOfUseSchema, type TimeOfUsePrices } from '../../src/tariffs/tariff-config.ts';
import { timeOfUsePriceAt, timeOfUseSlots, timeOfUseWindowAt } from '../../src/tariffs/time-of-use.ts';

const H = 3_600_000;
const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));

function tou(value: unknown): TimeOfUsePrices {
  return timeOfUseSchema.parse(value);
}

/** Local wall time in a zone to UTC ms (the first occurrence in the repeated hour). */
function local(timeZone: string, text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(text)!;
  return localToUtcMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), timeZone);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(':00.000Z', 'Z');
}

describe('local time (Intl)', () => {
  it('finds both instants of a repeated local time and none of a skipped one', () => {
    assert.deepEqual(localToUtcCandidatesMs(2024, 10, 27, 2, 30, 'Europe/Berlin').map(iso), ['2024-10-27T00:30Z', '2024-10-27T01:30Z']);
    assert.deepEqual(localToUtcCandidatesMs(2024, 3, 31, 2, 30, 'Europe/Berlin'), []);
    assert.equal(iso(localToUtcMs(2024, 3, 31, 2, 30, 'Europe/Berlin')), '2024-03-31T01:00Z', 'the skipped hour maps to the jump');
    assert.equal(iso(localToUtcMs(2024, 10, 27, 2, 30, 'Europe/Berlin', 'later')), '2024-10-27T01:30Z');
  });

  it('finds the clock changes of a year to the minute, and none in a zone without daylight saving', () => {
    const year = [Date.UTC(2024, 0, 1), Date.UTC(2025, 0, 1)] as const;
    assert.deepEqual(offsetChangesMs(...year, 'Europe/Berlin').map(iso), ['2024-03-31T01:00Z', '2024-10-27T01:00Z']);
    assert.deepEqual(offsetChangesMs(...year, 'America/Sao_Paulo'), []);
    assert.deepEqual(offsetChangesMs(...year, 'America/New_York').map(iso), ['2024-03-10T07:00Z', '2024-11-03T06:00Z']);
  });

  it('reads weekday and local date in the zone, not in UTC', () => {
    const l = toLocal(Date.UTC(2024, 5, 1, 1, 0), 'America/Sao_Paulo');
    assert.deepEqual([l.year, l.month, l.day, l.hour, l.weekday], [2024, 5, 31, 22, 5]);
  });
});

describe('time-of-use tariff', () => {
  const berlinNight = tou({ basePricePerKWh: 0.3, windows: [{ pricePerKWh: 0.2, from: '22:00', to: '06:00' }] });

  const nights: { name: string; from: string; expectHours: number; expectSlots: string[] }[] = [
    { name: 'a normal night', from: '2024-03-23 12:00', expectHours: 8,
      expectSlots: ['2024-03-23T11:00Z 0.3', '2024-03-23T21:00Z 0.2', '2024-03-24T05:00Z 0.3'] },
    { name: 'the night clocks go forward (7 h)', from: '2024-03-30 12:00', expectHours: 7,
      expectSlots: ['2024-03-30T11:00Z 0.3', '2024-03-30T21:00Z 0.2', '2024-03-31T04:00Z 0.3'] },
    { name: 'the night clocks go back (9 h)', from: '2024-10-26 12:00', expectHours: 9,
      expectSlots: ['2024-10-26T10:00Z 0.3', '2024-10-26T20:00Z 0.2', '2024-10-27T05:00Z 0.3'] },
  ];
  for (const row of nights) {
    it(`keeps a 22:00-06:00 window on local time over ${row.name}`, () => {
      const fromMs = local('Europe/Berlin', row.from);
      const slots = timeOfUseSlots(berlinNight, fromMs, fromMs + 24 * H, 'Europe/Berlin');
      assert.deepEqual(slots.map((s) => `${iso(s.startMs)} ${s.pricePerKWh}`), row.expectSlots);
      const night = slots.find((s) => s.pricePerKWh === 0.2)!;
      assert.equal((night.endMs - night.startMs) / H, row.expectHours);
      assert.equal(slots.at(-1)!.endMs, fromMs + 24 * H, 'the slots end at the window asked for, not beyond');
    });
  }

  it('puts a window edge inside the repeated hour at both of its instants', () => {
    // 02:30-03:00 local happens twice on 27 Oct 2024: 00:30-01:00Z (CEST) and 01:30-02:00Z (CET).
    const odd = tou({ basePricePerKWh: 1, windows: [{ pricePerKWh: 2, from: '02:30', to: '03:00' }] });
    const fromMs = Date.UTC(2024, 9, 26, 22);
    const slots = timeOfUseSlots(odd, fromMs, fromMs + 6 * H, 'Europe/Berlin');
    assert.deepEqual(slots.filter((s) => s.pricePerKWh === 2).map((s) => `${iso(s.startMs)}-${iso(s.endMs)}`),
      ['2024-10-27T00:30Z-2024-10-27T01:00Z', '2024-10-27T01:30Z-2024-10-27T02:00Z']);
  });

  it('charges the holiday rate all day on a configured holiday, and weekday rates the day after', () => {
    const deNight = tou({
      basePricePerKWh: 0.3,
      windows: [
        { pricePerKWh: 0.2, days: ['weekdays'], from: '22:00', to: '06:00' },
        { pricePerKWh: 0.18, days: ['weekends', 'holidays'], from: '00:00', to: '24:00' },
      ],
      holidays: ['2024-10-03'],
    });
    const rows: [string, number][] = [
      ['2024-10-02 12:00', 0.3], // Wednesday day
      ['2024-10-02 23:00', 0.2], // Wednesday night
      ['2024-10-03 03:00', 0.18], // holiday (Thursday): the weekday night window does not apply
      ['2024-10-03 12:00', 0.18],
      ['2024-10-03 23:00', 0.18],
      ['2024-10-04 03:00', 0.2], // Friday morning: a weekday again
      ['2024-10-04 12:00', 0.3],
      ['2024-10-05 12:00', 0.18], // Saturday
    ];
    for (const [at, price] of rows) assert.equal(timeOfUsePriceAt(deNight, local('Europe/Berlin', at), 'Europe/Berlin'), price, at);
  });

  it('applies a seasonal window only in its months', () => {
    const summer = tou({ basePricePerKWh: 0.3, windows: [{ pricePerKWh: 0.1, from: '11:00', to: '15:00', months: [5, 6, 7, 8] }] });
    assert.equal(timeOfUsePriceAt(summer, local('Europe/Berlin', '2024-07-10 12:00'), 'Europe/Berlin'), 0.1);
    assert.equal(timeOfUsePriceAt(summer, local('Europe/Berlin', '2024-12-10 12:00'), 'Europe/Berlin'), 0.3);
  });

  it('takes the first window that covers a moment', () => {
    const overlapping = tou({ basePricePerKWh: 1, windows: [
      { name: 'peak', pricePerKWh: 3, from: '18:00', to: '19:00' },
      { name: 'evening', pricePerKWh: 2, from: '17:00', to: '21:00' },
    ] });
    assert.equal(timeOfUseWindowAt(overlapping, Date.UTC(2024, 0, 1, 18, 30), 'UTC')?.name, 'peak');
    assert.equal(timeOfUseWindowAt(overlapping, Date.UTC(2024, 0, 1, 20, 30), 'UTC')?.name, 'evening');
    assert.equal(timeOfUseWindowAt(overlapping, Date.UTC(2024, 0, 1, 22, 0), 'UTC'), undefined);
  });

  it('rejects a window with no length and a time that is not HH:MM', () => {
    assert.throws(() => tou({ basePricePerKWh: 1, windows: [{ pricePerKWh: 2, from: '10:00', to: '10:00' }] }), /must differ/);
    assert.throws(() => tou({ basePricePerKWh: 1, windows: [{ pricePerKWh: 2, from: '7:00', to: '10:00' }] }), /HH:MM/);
  });
});

describe('the shipped tariff examples', () => {
  it("Brazil's Tarifa Branca: ponta and intermediário on weekdays, fora de ponta on weekends and holidays", async () => {
    const config = await loadConfigFile(`${CONFIG_DIR}example-tariff-brazil.yaml`);
    assert.equal(config.tariff?.kind, 'time-of-use');
    if (config.tariff?.kind !== 'time-of-use') return;
    const zone = config.site.timezone;
    const price = (at: string): number => timeOfUsePriceAt(config.tariff as TimeOfUsePrices, local(zone, at), zone);
    const rows: [string, number][] = [
      ['2026-03-04 12:00', 0.62], // Wednesday: fora de ponta
      ['2026-03-04 16:45', 0.93], // intermediário
      ['2026-03-04 17:30', 1.45], // ponta
      ['2026-03-04 20:29', 1.45],
      ['2026-03-04 20:30', 0.93],
      ['2026-03-04 21:30', 0.62],
      ['2026-03-07 18:00', 0.62], // Saturday
      ['2026-03-08 18:00', 0.62], // Sunday
      ['2026-04-21 18:00', 0.62], // Tiradentes, a Tuesday
      ['2026-04-22 18:00', 1.45], // the Wednesday after
    ];
    for (const [at, expected] of rows) assert.equal(price(at), expected, at);

    const fromMs = local(zone, '2026-03-04 00:00');
    const day = timeOfUseSlots(config.tariff, fromMs, fromMs + 24 * H, zone);
    assert.deepEqual(day.map((s) => `${toLocal(s.startMs, zone).hour}:${String(toLocal(s.startMs, zone).minute).padStart(2, '0')} ${s.pricePerKWh}`),
      ['0:00 0.62', '16:30 0.93', '17:30 1.45', '20:30 0.93', '21:30 0.62']);
  });

  it('the Belgian day/night tariff: night on weekday nights including Monday morning, all weekend, winter peak', async () => {
    const config = await loadConfigFile(`${CONFIG_DIR}example-tariff.yaml`);
    if (config.tariff?.kind !== 'time-of-use') return assert.fail('expected a time-of-use tariff');
    const zone = config.site.timezone;
    const price = (at: string): number => timeOfUsePriceAt(config.tariff as TimeOfUsePrices, local(zone, at), zone);
    const rows: [string, number][] = [
      ['2026-03-02 03:00', 0.24], // Monday morning
      ['2026-03-02 12:00', 0.34],
      ['2026-03-02 18:00', 0.34], // no peak in March
      ['2026-01-12 18:00', 0.41], // winter peak, Monday in January
      ['2026-03-06 23:00', 0.24], // Friday night
      ['2026-03-07 12:00', 0.24], // Saturday
      ['2026-05-01 12:00', 0.24], // Labour Day, a Friday
    ];
    for (const [at, expected] of rows) assert.equal(price(at), expected, at);
  });
});
