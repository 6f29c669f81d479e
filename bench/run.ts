/**
 * The control benchmark: `npm run bench [-- --data DIR] [-- --only solar,year,plan,fuse,compute]`.
 * Runs the real decide() (with the real LimitWriter) against an evcc-style baseline and perfect-foresight optima on
 * real data, prints a table and writes bench/results/latest.json. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataPath, loadHomeHourly, loadHousehold, loadIrradiance, loadPrices, loadSessions } from './data-loading.ts';
import { printTable, printTargets, type Row, type Target } from './report.ts';
import { runCompute } from './scenarios/compute.ts';
import { runFuseCases } from './scenarios/fuse.ts';
import { homeYear, pricesOnHomeAxis, yearSessions } from './scenarios/home-inputs.ts';
import { asMeasured, runHomeYear } from './scenarios/home-year.ts';
import { runPlan } from './scenarios/plan.ts';
import { daytimeSessions, householdFunction, pvFunction, PV_MODEL, toYear } from './scenarios/solar-inputs.ts';
import { runSolarCase, type SolarCaseResult } from './scenarios/solar-tracking.ts';
import * as summary from './summaries.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dataDir = resolve(option('--data') ?? join(here, 'data'));
const only = option('--only')?.split(',');
const wanted = (name: string): boolean => only === undefined || only.includes(name);

const rows: Row[] = [];
const targets: Target[] = [];
const results: Record<string, unknown> = {};
const timings: Record<string, number> = {};

async function timed<T>(name: string, f: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  process.stderr.write(`bench: ${name}...`);
  const out = await f();
  timings[name] = Math.round(performance.now() - started) / 1000;
  process.stderr.write(` ${timings[name]} s\n`);
  return out;
}

if (wanted('solar')) {
  const household = loadHousehold(dataPath(dataDir, 'household'));
  const cases: SolarCaseResult[] = [];
  const sites = [
    { file: 'ghiCloudy' as const, label: 'cloudy site' },
    { file: 'ghiClear' as const, label: 'clear site' },
  ];
  for (const site of sites) {
    const irradiance = loadIrradiance(dataPath(dataDir, site.file));
    const year = new Date(irradiance.ghi.startMs).getUTCFullYear();
    const yearOffsetMs = toYear(household.totalW.startMs, year) - household.totalW.startMs;
    const homeA = householdFunction(household, yearOffsetMs, 230);
    const fromMs = household.totalW.startMs + yearOffsetMs;
    const toMs = fromMs + household.totalW.values.length * 60_000;
    const sessions = daytimeSessions(loadSessions(dataPath(dataDir, 'sessions')), year, fromMs, toMs, 2);
    const { pvW } = pvFunction(irradiance, PV_MODEL);
    const cars = site.file === 'ghiCloudy'
      ? [{ phases: 3 as const }, { phases: 1 as const }, { phases: 3 as const, switchesPhases: true }]
      : [{ phases: 3 as const }];
    for (const car of cars) {
      const name = `solar 1 s, ${site.label}, ${car.phases}-phase car${car.switchesPhases ? ', 1p/3p switching' : ''}`;
      cases.push(await timed(name, () => runSolarCase(name, { pvW, homeA, sessions }, { ...car, maxCurrentA: 16 })));
    }
  }
  rows.push(...summary.solarRows(cases));
  targets.push(summary.solarTarget(cases));
  results.solar = { pvModel: PV_MODEL, cases };
}

if (wanted('year') || wanted('plan')) {
  const home = homeYear(loadHomeHourly(dataPath(dataDir, 'home')));
  const { user, sessions } = yearSessions(loadSessions(dataPath(dataDir, 'sessions')), home);
  if (wanted('year')) {
    const year = await timed('home year', async () => [asMeasured(home), ...await runHomeYear(home, sessions)]);
    rows.push(...summary.yearRows(year, user, home.filledHours));
    results.year = { user, sessions: sessions.length, filledHours: home.filledHours, rows: year };
  }
  if (wanted('plan')) {
    const prices = pricesOnHomeAxis(loadPrices(dataPath(dataDir, 'prices')), home);
    const plan = await timed('plan', () => runPlan(home, sessions, prices));
    rows.push(...summary.planRows(plan));
    targets.push(summary.planTarget(plan));
    results.plan = plan;
  }
}

if (wanted('fuse')) {
  const runs = await timed('fuse', () => runFuseCases());
  rows.push(...summary.fuseRows(runs));
  targets.push(...summary.fuseTargets(runs));
  results.fuse = runs;
}

if (wanted('compute')) {
  const compute = await timed('compute', () => runCompute());
  rows.push(...summary.computeRows(compute));
  targets.push(summary.computeTarget(compute));
  results.compute = compute;
}

console.log(printTable(rows));
console.log('\nTargets');
console.log(printTargets(targets));

const git = (...a: string[]): string => {
  try {
    return execFileSync('git', a, { cwd: here, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};
const out = join(here, 'results', 'latest.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({
  generatedAt: new Date().toISOString(),
  commit: git('rev-parse', 'HEAD'),
  // Uncommitted changes in the code under test (other engineers share the working tree).
  uncommittedPolicy: git('status', '--porcelain', '--', '../src/policy', '../src/control', '../src/domain').split('\n').filter((l) => l !== ''),
  dataDir, node: process.version, timingsS: timings, targets, results,
}, null, 1)}\n`);
console.log(`\nwrote ${out}`);
