/**
 * Regenerates bench/data from the shared data sets: row and column subsets in the ORIGINAL formats, gzipped, each
 * with its SOURCE.md (attribution and licence kept verbatim) plus a note of the subset. Run once by hand:
 *   node --import tsx bench/vendor-data.ts [/work/shared/data]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DATA_FILES, type DataFile } from './data-loading.ts';

const source = process.argv[2] ?? '/work/shared/data';
const target = join(dirname(fileURLToPath(import.meta.url)), 'data');

interface Subset {
  file: DataFile;
  from: string;
  sourceFile: string;
  /** Keeps the header? Rows are kept when this returns true. */
  keepRow: (fields: string[]) => boolean;
  separator: ',' | ';';
  /** Column names to keep (all when undefined). */
  columns?: (name: string) => boolean;
  note: string;
}

const SUBSETS: Subset[] = [
  {
    file: 'ghiCloudy', from: 'surfrad-ghi-5min-2018', sourceFile: 'surfrad_psu_penn_state_pa_2018_ghi_5min.csv', separator: ',',
    keepRow: ([t]) => t! >= '2018-06-01' && t! < '2018-06-23',
    note: 'cloudy.csv.gz: Penn State (PA) rows 2018-06-01T00:00Z .. 2018-06-22T23:55Z (22 UTC days, all 4 columns, values unchanged).',
  },
  {
    file: 'ghiClear', from: 'surfrad-ghi-5min-2018', sourceFile: 'surfrad_dra_desert_rock_nv_2018_ghi_5min.csv', separator: ',',
    keepRow: ([t]) => t! >= '2018-06-01' && t! < '2018-06-23',
    note: 'clear.csv.gz: Desert Rock (NV) rows 2018-06-01T00:00Z .. 2018-06-22T23:55Z (22 UTC days, all 4 columns, values unchanged).',
  },
  {
    file: 'household', from: 'uci-household-power-1min-2007h1', sourceFile: 'uci_household_power_1min_2007-01_2007-06.csv', separator: ',',
    keepRow: ([t]) => t! >= '2007-06-01' && t! < '2007-06-22',
    note: 'household.csv.gz: rows 2007-06-01T00:00 .. 2007-06-21T23:59 local (21 days x 1440 minutes, all columns, values unchanged).',
  },
  {
    file: 'home', from: 'opsd-cossmic-residential4-60min', sourceFile: 'household_data_60min_residential4.csv', separator: ',',
    keepRow: ([t]) => t! >= '2016-01-01T00' && t! < '2017-01-01T01',
    columns: (name) => ['utc_timestamp', 'cet_cest_timestamp', 'interpolated_values'].includes(name) ||
      ['_pv', '_grid_import', '_grid_export', '_ev'].some((s) => name.endsWith(s)),
    note: 'home.csv.gz: rows 2016-01-01T00:00Z .. 2017-01-01T00:00Z (8,785 cumulative readings = 8,784 hours); columns utc_timestamp, ' +
      'cet_cest_timestamp, the ev, grid_export, grid_import and pv meters, interpolated_values (other appliance meters dropped; values unchanged).',
  },
  {
    file: 'sessions', from: 'ev-sessions-trondheim', sourceFile: 'ev_charging_reports.csv', separator: ';',
    keepRow: (f) => /\.2019 /.test(f[5] ?? ''),
    note: 'sessions.csv.gz: the sessions plugged in during 2019 (Start_plugin in 2019), all columns, values unchanged.',
  },
  {
    file: 'prices', from: 'smard-day-ahead-de-2023-2024', sourceFile: 'Gro_handelspreise_202301010000_202501010000_Stunde.csv', separator: ';',
    keepRow: (f) => /^\d\d\.\d\d\.2024 /.test(f[0] ?? ''),
    columns: (name) => name.startsWith('Datum') || name.startsWith('Deutschland/Luxemburg'),
    note: 'prices.csv.gz: the 8,784 hours of 2024 (Datum von in 2024, local time) with the columns Datum von, Datum bis and ' +
      'Deutschland/Luxemburg (the other bidding zones dropped; values unchanged; BOM removed).',
  },
];

const notes = new Map<string, string[]>();
for (const s of SUBSETS) {
  let text = readFileSync(join(source, s.from, s.sourceFile), 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]!.split(s.separator);
  const keepCols = header.map((h, i) => (s.columns === undefined || s.columns(h.trim()) ? i : -1)).filter((i) => i >= 0);
  const pick = (line: string): string => {
    const f = line.split(s.separator);
    return keepCols.map((i) => f[i] ?? '').join(s.separator);
  };
  const rows = lines.slice(1).filter((l) => s.keepRow(l.split(s.separator)));
  const out = [pick(lines[0]!), ...rows.map(pick)].join('\n') + '\n';
  const path = join(target, `${DATA_FILES[s.file]}.csv.gz`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, gzipSync(out, { level: 9 }));
  const folder = dirname(DATA_FILES[s.file]);
  notes.set(folder, [...(notes.get(folder) ?? []), `- ${s.note} ${rows.length} data rows.`]);
  const sourceMd = readFileSync(join(source, s.from, 'SOURCE.md'), 'utf8');
  writeFileSync(join(target, folder, 'SOURCE.md'), `${sourceMd.trimEnd()}\n\n## Subset vendored for the Sunplug benchmark\n\n` +
    `Copied from \`${s.from}/\` by \`bench/vendor-data.ts\` (rows and columns selected, gzip with node:zlib; no value changed).\n\n` +
    `${notes.get(folder)!.join('\n')}\n`);
  console.log(`${path}: ${rows.length} rows`);
}
