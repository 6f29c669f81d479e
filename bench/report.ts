/** The printed table and the targets of bench/results/latest.json. */
export interface Row {
  scenario: string;
  metric: string;
  sunplug: string;
  baseline: string;
  optimum: string;
  note?: string;
}

export interface Target {
  name: string;
  /** null when there is nothing to measure yet. */
  value: number | null;
  op: '>=' | '<=' | '<';
  target: number;
  met: boolean;
  unit: string;
  note?: string;
}

export function target(name: string, value: number | null, op: Target['op'], goal: number, unit: string, note?: string): Target {
  const met = value !== null && Number.isFinite(value) && (op === '>=' ? value >= goal : op === '<=' ? value <= goal : value < goal);
  return { name, value, op, target: goal, met, unit, ...(note ? { note } : {}) };
}

export function fmt(x: number | undefined | null, digits = 1): string {
  return x === undefined || x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
}

export function pct(x: number | undefined | null, digits = 1): string {
  return x === undefined || x === null || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(digits)} %`;
}

export function printTable(rows: readonly Row[]): string {
  const head: Row = { scenario: 'scenario', metric: 'metric', sunplug: 'Sunplug', baseline: 'evcc-style', optimum: 'optimum', note: 'note' };
  const all = [head, ...rows];
  const w = (k: keyof Row): number => Math.max(...all.map((r) => (r[k] ?? '').length));
  const widths = { scenario: w('scenario'), metric: w('metric'), sunplug: w('sunplug'), baseline: w('baseline'), optimum: w('optimum') };
  const line = (r: Row): string => [
    r.scenario.padEnd(widths.scenario), r.metric.padEnd(widths.metric), r.sunplug.padStart(widths.sunplug),
    r.baseline.padStart(widths.baseline), r.optimum.padStart(widths.optimum), r.note ?? '',
  ].join(' | ').trimEnd();
  const rule = '-'.repeat(line(head).length);
  const out: string[] = [line(head), rule];
  let last = '';
  for (const r of rows) {
    out.push(line({ ...r, scenario: r.scenario === last ? '' : r.scenario }));
    last = r.scenario;
  }
  return out.join('\n');
}

export function printTargets(targets: readonly Target[]): string {
  return targets.map((t) => `${t.met ? 'MET   ' : 'MISSED'} ${t.name}: ${t.value === null ? 'n/a' : Number(t.value.toPrecision(4))} ${t.unit} ` +
    `(target ${t.op} ${t.target} ${t.unit})${t.note ? ` — ${t.note}` : ''}`).join('\n');
}
