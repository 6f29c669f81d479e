import { z } from 'zod';
import { jsonValueLines } from './json-lines.ts';
import { localToUtcCandidatesMs } from './local-time.ts';
import { slotListProblems, sortedSlots, type PriceSlot } from './price-slot.ts';
import type { PriceFileFormat } from './tariff-config.ts';

/**
 * Readers for the price formats Sunplug understands, from text to slots in the site currency per kWh. Pure: the file
 * and HTTP sources hand their text here. A file with any bad row is rejected as a whole, with one problem per bad
 * row naming its line: a half-read price list would plan charging on prices nobody checked.
 *
 * - sunplug-csv: `start,end,pricePerKWh`, ISO 8601 times with an offset or Z, `#` comment lines.
 * - sunplug-json: `{ "prices": [{ "start", "end", "pricePerKWh" }] }`, same times.
 * - smard-csv: the SMARD.de download-centre export ("Großhandelspreise"): `;`-separated, decimal comma,
 *   `dd.mm.yyyy HH:MM` local times (Europe/Berlin), EUR/MWh, "-" for a missing price (a gap, not an error).
 * - awattar-json: `{ "data": [{ "start_timestamp", "end_timestamp", "marketprice", "unit": "Eur/MWh" }] }`.
 * - energy-charts-json: `{ "unix_seconds": [...], "price": [...], "unit": "EUR / MWh" }`.
 * Market formats are in currency per MWh and are converted to per kWh here.
 */

export class PriceFormatError extends Error {
  constructor(readonly source: string, readonly problems: readonly string[]) {
    super(`${source}: ${problems.length === 1 ? problems[0] : `${problems.length} problems\n${problems.map((p) => `  - ${p}`).join('\n')}`}`);
    this.name = 'PriceFormatError';
  }
}

export interface ParsedPrices {
  slots: PriceSlot[];
  /** ISO 4217 code when the format states one (market APIs do), to check against the site currency. */
  currency?: string;
}

export interface PriceFormatOptions {
  /** Name used in error messages (a file path or URL). */
  source?: string;
  /** smard-csv: the price column, matched by the start of its header. */
  column?: string;
  /** smard-csv: the zone of its local times. */
  timeZone?: string;
}

export function parsePriceText(text: string, format: PriceFileFormat, options: PriceFormatOptions = {}): ParsedPrices {
  switch (format) {
    case 'sunplug-csv': return parseSunplugCsv(text, options.source);
    case 'sunplug-json': return parseSunplugJson(text, options.source);
    case 'smard-csv': return parseSmardCsv(text, options);
    case 'awattar-json': return parseAwattarJson(text, options.source);
    case 'energy-charts-json': return parseEnergyChartsJson(text, options.source);
  }
}

// ISO 8601 with a zone: a time without one would be read in whatever zone the gateway runs in.
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function isoMs(text: string): number | string {
  const t = text.trim();
  if (!ISO_WITH_ZONE.test(t)) return `"${t}" is not an ISO 8601 time with a zone (e.g. 2024-06-01T13:00:00+02:00)`;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : `"${t}" is not a valid date`;
}

function checkOrder(slots: readonly { slot: PriceSlot; where: string }[], problems: string[]): void {
  for (let i = 1; i < slots.length; i++) {
    const a = slots[i - 1]!;
    const b = slots[i]!;
    if (b.slot.startMs < a.slot.endMs) problems.push(`${b.where}: starts before the slot on ${a.where} ends (slots must be in time order and must not overlap)`);
  }
}

export function parseSunplugCsv(text: string, source = 'sunplug-csv'): ParsedPrices {
  const problems: string[] = [];
  const rows: { slot: PriceSlot; where: string }[] = [];
  let header = false;
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    if (!header) {
      header = true;
      if (cells.join(',') !== 'start,end,pricePerKWh') problems.push(`line ${lineNo}: expected the header "start,end,pricePerKWh", got "${line}"`);
      return;
    }
    if (cells.length !== 3) {
      problems.push(`line ${lineNo}: expected 3 values (start,end,pricePerKWh), got ${cells.length}`);
      return;
    }
    const start = isoMs(cells[0]!);
    const end = isoMs(cells[1]!);
    const price = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cells[2]!) ? Number(cells[2]) : Number.NaN;
    const bad = [
      typeof start === 'string' ? `start: ${start}` : undefined,
      typeof end === 'string' ? `end: ${end}` : undefined,
      Number.isFinite(price) ? undefined : `pricePerKWh: "${cells[2]}" is not a number (use a decimal point)`,
    ].filter((p): p is string => p !== undefined);
    if (bad.length > 0) {
      problems.push(`line ${lineNo}: ${bad.join('; ')}`);
      return;
    }
    if ((end as number) <= (start as number)) {
      problems.push(`line ${lineNo}: end is not after start`);
      return;
    }
    rows.push({ slot: { startMs: start as number, endMs: end as number, pricePerKWh: price }, where: `line ${lineNo}` });
  });
  if (!header) problems.push('no header line "start,end,pricePerKWh"');
  checkOrder(rows, problems);
  if (problems.length > 0) throw new PriceFormatError(source, problems);
  return { slots: rows.map((r) => r.slot) };
}

/** Parses JSON text; a syntax error names its line and column instead of a character offset. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    if (position) {
      const before = text.slice(0, Number(position[1]));
      const lineNo = before.split('\n').length;
      const column = before.length - before.lastIndexOf('\n');
      throw new PriceFormatError(source, [`line ${lineNo}, column ${column}: malformed JSON (${message})`]);
    }
    throw new PriceFormatError(source, [`malformed JSON (${message})`]);
  }
}

function zodProblems(text: string, issues: readonly z.core.$ZodIssue[]): string[] {
  const lines = jsonValueLines(text);
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    // The deepest path that exists in the text: a missing key is reported at its object's line.
    let lineNo: number | undefined;
    for (let n = issue.path.length; n >= 0 && lineNo === undefined; n--) lineNo = lines.get(issue.path.slice(0, n).map(String).join('.'));
    return `line ${lineNo ?? 1} (${path === '' ? 'top level' : path}): ${issue.message}`;
  });
}

function validated<T>(text: string, schema: z.ZodType<T>, source: string): T {
  const value = parseJsonText(text, source);
  const result = schema.safeParse(value);
  if (!result.success) throw new PriceFormatError(source, zodProblems(text, result.error.issues));
  return result.data;
}

const isoTime = z.string().transform((t, ctx) => {
  const ms = isoMs(t);
  if (typeof ms === 'string') {
    ctx.addIssue({ code: 'custom', message: ms });
    return z.NEVER;
  }
  return ms;
});

const sunplugJsonSchema = z.object({
  prices: z.array(z.object({ start: isoTime, end: isoTime, pricePerKWh: z.number() })),
});

export function parseSunplugJson(text: string, source = 'sunplug-json'): ParsedPrices {
  const data = validated(text, sunplugJsonSchema, source);
  const lines = jsonValueLines(text);
  const rows = data.prices.map((p, i) => ({
    slot: { startMs: p.start, endMs: p.end, pricePerKWh: p.pricePerKWh },
    where: `line ${lines.get(`prices.${i}`) ?? 1} (prices.${i})`,
  }));
  const problems = rows.filter((r) => r.slot.endMs <= r.slot.startMs).map((r) => `${r.where}: end is not after start`);
  checkOrder(rows, problems);
  if (problems.length > 0) throw new PriceFormatError(source, problems);
  return { slots: rows.map((r) => r.slot) };
}

/** Currency and per-kWh divisor from a market unit such as "Eur/MWh" or "EUR / MWh". */
function marketUnit(unit: string): { currency: string; perKWhDivisor: number } | undefined {
  const m = /^\s*([A-Za-z]{3})\s*\/\s*(MWh|kWh)\s*$/i.exec(unit);
  if (!m) return undefined;
  return { currency: m[1]!.toUpperCase(), perKWhDivisor: m[2]!.toLowerCase() === 'mwh' ? 1000 : 1 };
}

/** Per kWh from a market price, rounded to 1e-8 so that 39.23 EUR/MWh reads 0.03923, not 0.039229999999999994. */
function perKWh(price: number, divisor: number): number {
  return Math.round((price / divisor) * 1e8) / 1e8;
}

const awattarSchema = z.object({
  object: z.string().optional(),
  data: z.array(z.object({
    start_timestamp: z.number().int(),
    end_timestamp: z.number().int(),
    marketprice: z.number(),
    unit: z.string(),
  })),
});

export function parseAwattarJson(text: string, source = 'awattar-json'): ParsedPrices {
  const data = validated(text, awattarSchema, source);
  const lines = jsonValueLines(text);
  const problems: string[] = [];
  let currency: string | undefined;
  const rows = data.data.flatMap((d, i) => {
    const where = `line ${lines.get(`data.${i}`) ?? 1} (data.${i})`;
    const unit = marketUnit(d.unit);
    if (unit === undefined) {
      problems.push(`${where}: unknown unit "${d.unit}" (expected currency per MWh or kWh)`);
      return [];
    }
    if (currency !== undefined && unit.currency !== currency) problems.push(`${where}: currency ${unit.currency} differs from ${currency}`);
    currency = unit.currency;
    if (d.end_timestamp <= d.start_timestamp) {
      problems.push(`${where}: end_timestamp is not after start_timestamp`);
      return [];
    }
    return [{ slot: { startMs: d.start_timestamp, endMs: d.end_timestamp, pricePerKWh: perKWh(d.marketprice, unit.perKWhDivisor) }, where }];
  });
  checkOrder(rows, problems);
  if (problems.length > 0) throw new PriceFormatError(source, problems);
  return currency === undefined ? { slots: rows.map((r) => r.slot) } : { slots: rows.map((r) => r.slot), currency };
}

const energyChartsSchema = z.object({
  unix_seconds: z.array(z.number().int()),
  price: z.array(z.number().nullable()),
  unit: z.string(),
  license_info: z.string().optional(),
  deprecated: z.boolean().optional(),
});

/** The most common positive value (the smaller on a tie), or undefined when there is none. */
function mostCommonPositive(values: readonly number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const v of values) if (v > 0) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: number | undefined;
  for (const [v, count] of counts) {
    if (best === undefined || count > counts.get(best)! || (count === counts.get(best)! && v < best)) best = v;
  }
  return best;
}

/** The most common step between neighbouring times, ms: the product length (15 min or 1 h). */
function typicalStepMs(times: readonly number[]): number | undefined {
  return mostCommonPositive(times.slice(1).map((t, i) => t - times[i]!));
}

export function parseEnergyChartsJson(text: string, source = 'energy-charts-json'): ParsedPrices {
  const data = validated(text, energyChartsSchema, source);
  const unit = marketUnit(data.unit);
  if (unit === undefined) throw new PriceFormatError(source, [`unknown unit "${data.unit}" (expected currency per MWh or kWh)`]);
  if (data.unix_seconds.length !== data.price.length) {
    throw new PriceFormatError(source, [`unix_seconds has ${data.unix_seconds.length} entries but price has ${data.price.length}`]);
  }
  const times = data.unix_seconds.map((s) => s * 1000);
  const problems: string[] = [];
  const lines = jsonValueLines(text);
  for (let i = 1; i < times.length; i++) {
    if (times[i]! <= times[i - 1]!) problems.push(`line ${lines.get(`unix_seconds.${i}`) ?? 1} (unix_seconds.${i}): not after the time before it`);
  }
  if (problems.length > 0) throw new PriceFormatError(source, problems);
  // Each price lasts until the next time; the last one for the usual step. A single entry cannot tell its length.
  const stepMs = typicalStepMs(times);
  const slots: PriceSlot[] = [];
  times.forEach((startMs, i) => {
    const price = data.price[i];
    const endMs = times[i + 1] !== undefined ? Math.min(times[i + 1]!, startMs + (stepMs ?? 0)) : startMs + (stepMs ?? 0);
    if (price === null || price === undefined || endMs <= startMs) return;
    slots.push({ startMs, endMs, pricePerKWh: perKWh(price, unit.perKWhDivisor) });
  });
  return { slots, currency: unit.currency };
}

const SMARD_TIME = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2})$/;

/** A SMARD number: decimal comma, optional thousands dots ("1.234,56"); "-" or empty is missing. */
function smardNumber(text: string): number | null | undefined {
  const t = text.trim();
  if (t === '-' || t === '') return null;
  if (!/^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+(,\d+)?$/.test(t)) return undefined;
  return Number(t.replace(/\./g, '').replace(',', '.'));
}

export function parseSmardCsv(text: string, options: PriceFormatOptions = {}): ParsedPrices {
  const source = options.source ?? 'smard-csv';
  const timeZone = options.timeZone ?? 'Europe/Berlin';
  const wanted = options.column ?? 'Deutschland/Luxemburg';
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(';').map((h) => h.trim());
  const column = header.findIndex((h) => h.startsWith(wanted));
  if (header.length < 3 || !/^Datum/.test(header[0]!)) {
    throw new PriceFormatError(source, ['line 1: not a SMARD export (expected a header starting "Datum von;Datum bis;...")']);
  }
  if (column < 2) {
    throw new PriceFormatError(source, [`line 1: no price column starting with "${wanted}" (columns: ${header.slice(2).join(', ')})`]);
  }
  const unit = marketUnit(/\[([^\]]+)\]/.exec(header[column]!)?.[1] ?? '') ?? { currency: 'EUR', perKWhDivisor: 1000 };

  const problems: string[] = [];
  const rows: { lineNo: number; wall: number[]; wallEnd: number[] | undefined; value: number | null }[] = [];
  lines.forEach((raw, index) => {
    if (index === 0 || raw.trim() === '') return;
    const lineNo = index + 1;
    const cells = raw.split(';');
    const from = SMARD_TIME.exec(cells[0]?.trim() ?? '');
    const to = SMARD_TIME.exec(cells[1]?.trim() ?? '');
    const value = smardNumber(cells[column] ?? '');
    const bad = [
      from ? undefined : `"${cells[0] ?? ''}" is not a time dd.mm.yyyy HH:MM`,
      cells.length <= column ? `only ${cells.length} columns` : value === undefined ? `"${cells[column]}" is not a number` : undefined,
    ].filter((p): p is string => p !== undefined);
    if (bad.length > 0) {
      problems.push(`line ${lineNo}: ${bad.join('; ')}`);
      return;
    }
    const parts = (m: RegExpExecArray): number[] => [Number(m[3]), Number(m[2]), Number(m[1]), Number(m[4]), Number(m[5])];
    rows.push({ lineNo, wall: parts(from!), wallEnd: to ? parts(to) : undefined, value: value ?? null });
  });
  if (problems.length > 0) throw new PriceFormatError(source, problems);

  // "Datum bis" is unreliable around clock changes (the export writes e.g. 26.03.2023 01:00 -> 25.03.2023 02:00),
  // so each slot lasts the file's resolution: the most common wall-clock length of a row.
  const wallMs = (p: readonly number[]): number => Date.UTC(p[0]!, p[1]! - 1, p[2]!, p[3]!, p[4]!);
  const lengthMs = mostCommonPositive(rows.flatMap((r) => (r.wallEnd ? [wallMs(r.wallEnd) - wallMs(r.wall)] : [])))
    ?? typicalStepMs(rows.map((r) => wallMs(r.wall)));
  if (lengthMs === undefined) return { slots: [], currency: unit.currency };

  const slots: PriceSlot[] = [];
  let previousStartMs = Number.NEGATIVE_INFINITY;
  for (const row of rows) {
    const [year, month, day, hour, minute] = row.wall as [number, number, number, number, number];
    const candidates = localToUtcCandidatesMs(year, month, day, hour, minute, timeZone);
    // In the hour clocks go back the local time appears twice: the second row with it is the later instant.
    const startMs = candidates.find((c) => c > previousStartMs);
    if (startMs === undefined) {
      problems.push(`line ${row.lineNo}: ${candidates.length === 0 ? `${hour}:${String(minute).padStart(2, '0')} does not exist on that day in ${timeZone}` : 'is not after the row before it'}`);
      continue;
    }
    previousStartMs = startMs;
    if (row.value !== null) slots.push({ startMs, endMs: startMs + lengthMs, pricePerKWh: perKWh(row.value, unit.perKWhDivisor) });
  }
  const order = slotListProblems(sortedSlots(slots));
  if (problems.length > 0 || order.length > 0) throw new PriceFormatError(source, [...problems, ...order]);
  return { slots, currency: unit.currency };
}
