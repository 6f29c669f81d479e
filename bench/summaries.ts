import { fmt, pct, target, type Row, type Target } from './report.ts';
import type { ComputeRow } from './scenarios/compute.ts';
import { FUSE_A, type FuseRun } from './scenarios/fuse.ts';
import { evSolarShare, selfConsumption, selfSufficiency, type YearMetrics } from './scenarios/home-year.ts';
import type { PlanResult } from './scenarios/plan.ts';
import type { SolarCaseResult, SolarMetrics } from './scenarios/solar-tracking.ts';

/** Turns scenario results into table rows and targets. */
type Three<T> = [T | undefined, T | undefined, T | undefined];

function row(scenario: string, metric: string, [s, b, o]: Three<string>, note?: string): Row {
  return { scenario, metric, sunplug: s ?? '', baseline: b ?? '', optimum: o ?? '', ...(note ? { note } : {}) };
}

export function solarRows(cases: readonly SolarCaseResult[]): Row[] {
  return cases.flatMap((c) => {
    const [s, b, o] = ['Sunplug', 'evcc-style', 'optimum'].map((n) => c.rows.find((r) => r.controller === n)) as Three<SolarMetrics>;
    const all: Three<SolarMetrics> = [s, b, o];
    const map = (f: (m: SolarMetrics) => string): Three<string> => all.map((m) => (m ? f(m) : undefined)) as Three<string>;
    const name = `${c.name} (${c.sessions} sessions, ${fmt(c.scoredHours, 0)} h)`;
    return [
      row(name, 'surplus while plugged in, kWh', map((m) => fmt(m.surplusKWh))),
      row(name, 'surplus captured by the car, kWh', map((m) => fmt(m.capturedKWh))),
      row(name, 'captured / optimum', map((m) => pct(o ? m.capturedKWh / o.capturedKWh : undefined))),
      row(name, 'captured / min(surplus, need)', map((m) => pct(m.capturedKWh / m.boundKWh)), 'control.md §7 per session'),
      row(name, 'EV energy, kWh (need)', map((m) => `${fmt(m.evKWh)} (${fmt(m.needKWh, 0)})`)),
      row(name, 'EV solar share', map((m) => pct(m.capturedKWh / m.evKWh))),
      row(name, 'grid energy into the EV, kWh', map((m) => fmt(m.evGridKWh, 2)), 'import while in solar mode'),
      row(name, 'tracking error, kWh', map((m) => fmt(m.trackingErrorKWh)), '∫|EV − surplus clamped to 6..16 A| while charging'),
      row(name, 'starts', map((m) => String(m.starts))),
      row(name, 'limit writes', map((m) => (m.controller === 'optimum' ? '' : String(m.writes)))),
      ...(c.rows.some((m) => m.phaseSwitches > 0) ? [row(name, 'phase switches', map((m) => (m.controller === 'optimum' ? '' : String(m.phaseSwitches))))] : []),
    ];
  });
}

export function solarTarget(cases: readonly SolarCaseResult[]): Target {
  const sum = (n: string): number => cases.reduce((s, c) => s + (c.rows.find((r) => r.controller === n)?.capturedKWh ?? 0), 0);
  return target('solar surplus captured, share of the optimum', sum('Sunplug') / sum('optimum'), '>=', 0.95, '',
    'pooled over the solar-tracking cases; optimum = perfect foresight, same plant, 1 kWh from the grid costs 1 kWh of surplus');
}

export function yearRows(rows: readonly YearMetrics[], user: string, filledHours: number): Row[] {
  const find = (n: string): YearMetrics | undefined => rows.find((r) => r.controller === n);
  const all: Three<YearMetrics> = [find('Sunplug'), find('evcc-style'), find('optimum')];
  const measured = find('as measured (own EV)');
  const map = (f: (m: YearMetrics) => string): Three<string> => all.map((m) => (m ? f(m) : undefined)) as Three<string>;
  const name = `home year (CoSSMic 2016, sessions of ${user})`;
  return [
    row(name, 'EV energy, kWh (need)', map((m) => `${fmt(m.evKWh, 0)} (${fmt(m.needKWh, 0)})`), `own EV as measured: ${fmt(measured?.evKWh, 0)} kWh`),
    row(name, 'EV solar share', map((m) => pct(evSolarShare(m))), `own EV as measured: ${pct(measured ? evSolarShare(measured) : undefined)}`),
    row(name, 'self-consumption', map((m) => pct(selfConsumption(m))), `as measured: ${pct(measured ? selfConsumption(measured) : undefined)} (hourly net)`),
    row(name, 'self-sufficiency', map((m) => pct(selfSufficiency(m))), `as measured: ${pct(measured ? selfSufficiency(measured) : undefined)}`),
    row(name, 'grid import, kWh', map((m) => fmt(m.importKWh, 0)), `${filledHours} gap hours filled from the week before`),
  ];
}

export function planRows(plan: PlanResult): Row[] {
  const find = (prefix: string) => plan.rows.find((r) => r.strategy.startsWith(prefix));
  const [s, b, o, now] = [find('Sunplug planner'), find('evcc-style: solar'), find('LP optimum (perfect'), find('charge at once')];
  const [sAll, bAll, blocks] = [find('Sunplug planner, all'), find('evcc-style, all'), find('LP optimum, full-power')];
  const name = `plan on day-ahead prices (${plan.sessions} sessions)`;
  const nowNote = `charge at once: ${fmt(now?.evCostEur)} €, regret ${fmt(now?.regretPct)} %`;
  return [
    row(name, 'EV charging cost, €', [s?.evCostEur === undefined ? 'n/a (no planner)' : fmt(s.evCostEur), fmt(b?.evCostEur), fmt(o?.evCostEur)], nowNote),
    row(name, 'regret vs optimum, %', [fmt(s?.regretPct), fmt(b?.regretPct), fmt(o?.regretPct)], `mean buy price ${fmt(plan.meanBuyPerKWh, 3)} €/kWh`),
    row(name, 'regret if all prices were known, %', [fmt(sAll?.regretPct), fmt(bAll?.regretPct), fmt(o?.regretPct)],
      'diagnostic: the rest is the day-ahead horizon'),
    row(name, 'regret of the best full-power-block plan, %', ['', '', fmt(blocks?.regretPct)],
      'diagnostic: perfect foresight, grid only at 11 kW, sun only >= 4.1 kW'),
    row(name, 'EV energy, kWh (unmet)', [s, b, o].map((r) => (r?.evKWh === undefined ? 'n/a' : `${fmt(r.evKWh, 0)} (${fmt(r.unmetKWh, 1)})`)) as Three<string>),
  ];
}

export function planTarget(plan: PlanResult): Target {
  const s = plan.rows.find((r) => r.strategy === 'Sunplug planner');
  return target('plan regret vs the LP optimum', s?.regretPct ?? null, '<=', 3, '%',
    s?.regretPct === undefined ? 'Sunplug has no plan mode yet (src/policy/planner.ts missing): not met' : undefined);
}

function p99(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)]!;
}

export function fuseRows(runs: readonly FuseRun[]): Row[] {
  return (['stepped', 'random'] as const).flatMap((load) => {
    const of = (c: string): FuseRun[] => runs.filter((r) => r.load === load && r.controller === c);
    const groups: Three<FuseRun[]> = [of('Sunplug'), of('evcc-style'), of('optimum')];
    const sum = (f: (r: FuseRun) => number): Three<number> => groups.map((g) => g!.reduce((s, r) => s + f(r), 0)) as Three<number>;
    const max = (f: (r: FuseRun) => number): Three<number> => groups.map((g) => Math.max(0, ...g!.map(f))) as Three<number>;
    const ev = sum((r) => r.evKWh);
    const hours = (of('Sunplug')[0]?.durationS ?? 0) / 3600;
    const name = `fuse ${FUSE_A} A, ${load} L1 load, 1-4 chargers (${fmt(hours, 0)} h each)`;
    const show = (xs: Three<number>, d = 0): Three<string> => xs.map((x) => fmt(x, d)) as Three<string>;
    return [
      row(name, `time above ${FUSE_A} A, s`, show(sum((r) => r.secondsAbove))),
      row(name, `A·s above ${FUSE_A} A`, show(sum((r) => r.ampSecondsAbove))),
      row(name, 'peak phase current, A', show(max((r) => r.peakA), 1)),
      row(name, 'overload episodes (started by a charger)', groups.map((g) =>
        `${g!.reduce((s, r) => s + r.responsesMs.length, 0)} (${g!.reduce((s, r) => s + r.chargerCausedEpisodes, 0)})`) as Three<string>),
      row(name, 'p99 overload reading -> limits sent, s', groups.map((g, i) => (i === 2 ? '' : fmt(p99(g!.flatMap((r) => r.responsesMs)) / 1000))) as Three<string>),
      row(name, `longest above ${1.45 * FUSE_A} A, s`, show(max((r) => r.longestAboveTripS))),
      row(name, 'EV energy, kWh (share of optimum)', ev.map((e) => `${fmt(e, 1)} (${pct(e! / ev[2]!, 0)})`) as Three<string>),
      row(name, 'limit writes', groups.map((g, i) => (i === 2 ? '' : String(g!.reduce((s, r) => s + r.writes, 0)))) as Three<string>),
    ];
  });
}

export function fuseTargets(runs: readonly FuseRun[]): Target[] {
  const sunplug = runs.filter((r) => r.controller === 'Sunplug');
  return [
    target('p99 time from an overload reading to the new limits being sent', p99(sunplug.flatMap((r) => r.responsesMs)) / 1000, '<=', 2, 's',
      'all fuse runs; limits sent before the reading count as 0 s'),
    target(`longest stretch above 1.45 x the rating (${1.45 * FUSE_A} A)`, Math.max(0, ...sunplug.map((r) => r.longestAboveTripS)), '<=', 10, 's',
      'includes the charger\'s 2 s and the car\'s 5 s'),
  ];
}

export function computeRows(rows: readonly ComputeRow[]): Row[] {
  return rows.map((r) => row('compute: decide() per tick', `${r.chargers} charger${r.chargers > 1 ? 's' : ''}, µs`,
    [fmt(r.typicalUs), undefined, undefined], `mean ${fmt(r.meanUs)} µs, single-call p99 ${fmt(r.p99Us)} µs (${r.iterations} calls)`));
}

export function computeTarget(rows: readonly ComputeRow[]): Target {
  const ten = rows.find((r) => r.chargers === 10);
  return target('decide() with 10 chargers', ten ? ten.typicalUs / 1000 : null, '<', 1, 'ms', 'median over batches of 20 calls');
}
