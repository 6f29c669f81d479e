import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface Table {
  header: string[];
  rows: string[][];
}

/** Reads `<base>.csv.gz` or `<base>.csv` (the first that exists); strips a UTF-8 BOM. */
export function readTable(basePath: string, separator: ',' | ';'): Table {
  const gz = `${basePath}.csv.gz`;
  const plain = `${basePath}.csv`;
  let text: string;
  if (existsSync(gz)) text = gunzipSync(readFileSync(gz)).toString('utf8');
  else if (existsSync(plain)) text = readFileSync(plain, 'utf8');
  else throw new Error(`missing data file ${gz} (or ${plain})`);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const [head, ...body] = lines;
  if (head === undefined) throw new Error(`empty data file ${basePath}`);
  return { header: head.split(separator).map((h) => h.trim()), rows: body.map((l) => l.split(separator)) };
}

/** Index of the first column whose name matches, or an error naming the file's columns. */
export function column(table: Table, match: (name: string) => boolean, what: string): number {
  const i = table.header.findIndex(match);
  if (i < 0) throw new Error(`no ${what} column in [${table.header.join(', ')}]`);
  return i;
}

/** A number written with a decimal point or comma; empty, "-", "NA" and "?" are NaN. */
export function parseNumber(text: string | undefined): number {
  if (text === undefined) return Number.NaN;
  const t = text.trim();
  if (t === '' || t === '-' || t === 'NA' || t === '?') return Number.NaN;
  return Number(t.replace(',', '.'));
}
