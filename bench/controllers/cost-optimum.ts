import { highs, lines, num, solveOrThrow } from './highs-lp.ts';

/**
 * Cost optimum (§8.1, one car, hourly): per session s and hour t the car takes e_st ≤ maxW·avail_st (Wh) and by
 * departure its energy (slack u_s at a high price). Of e, the part s from the sun forgoes feed-in f instead of costing
 * the buy price c_t. The household is netted per hour, so the sun left for the car is S_t = max(0, PV − load); below
 * the minimum power the car can only take the sun in bursts at minW, so the usable sun is
 *   sun_t ≤ e_t · S_t / max(S_t, minW),  Σ_s sun_st ≤ S_t · 1 h.
 * Minimises Σ c_t (e − sun) + f · sun + M Σ u_s. Returns the car's energy and sun per hour, Wh (0 outside sessions).
 */
export interface CostOptimumInput {
  surplusW: readonly number[];
  buyPerKWh: readonly number[];
  feedInPerKWh: number;
  maxW: number;
  minW: number;
  sessions: readonly { steps: readonly { t: number; avail: number }[]; needWh: number }[];
}

export async function solveCostOptimum(input: CostOptimumInput): Promise<{ energyWh: number[]; sunWh: number[] }> {
  const { surplusW, buyPerKWh: c, feedInPerKWh: f, maxW, minW, sessions } = input;
  const out = { energyWh: surplusW.map(() => 0), sunWh: surplusW.map(() => 0) };
  const vars = sessions.flatMap((s, i) => s.steps.map(({ t, avail }) => ({ i, t, avail, e: `e${i}_${t}`, sun: `s${i}_${t}` })));
  if (vars.length === 0) return out;
  const obj = vars.flatMap((v) => [`+ ${num(c[v.t]! / 1000)} ${v.e}`, `- ${num((c[v.t]! - f) / 1000)} ${v.sun}`]);
  sessions.forEach((_, i) => obj.push(`+ 1000 u${i}`));
  const rows: string[] = [];
  for (const v of vars) {
    const sW = Math.max(0, surplusW[v.t]!);
    rows.push(` k${v.i}_${v.t}: ${v.sun} - ${num(sW > 0 ? sW / Math.max(sW, minW) : 0)} ${v.e} <= 0`);
  }
  const byHour = new Map<number, string[]>();
  for (const v of vars) byHour.set(v.t, [...(byHour.get(v.t) ?? []), `+ ${v.sun}`]);
  for (const [t, terms] of byHour) rows.push(` h${t}:\n${lines(terms)}\n  <= ${num(Math.max(0, surplusW[t]!))}`);
  sessions.forEach((s, i) => {
    if (s.steps.length === 0) return;
    rows.push(` n${i}:\n${lines([...vars.filter((v) => v.i === i).map((v) => `+ ${v.e}`), `+ 1000 u${i}`])}\n  = ${num(s.needWh)}`);
  });
  const bounds = vars.flatMap((v) => [` 0 <= ${v.e} <= ${num(maxW * v.avail)}`, ` 0 <= ${v.sun} <= ${num(Math.max(0, surplusW[v.t]!) * v.avail)}`]);
  const lp = `Minimize\n obj:\n${lines(obj)}\nSubject To\n${rows.join('\n')}\nBounds\n${bounds.join('\n')}\nEnd\n`;
  const r = solveOrThrow(await highs(), lp, 'cost optimum');
  for (const v of vars) {
    out.energyWh[v.t]! += Math.max(0, r.Columns[v.e]?.Primal ?? 0);
    out.sunWh[v.t]! += Math.max(0, r.Columns[v.sun]?.Primal ?? 0);
  }
  return out;
}

/**
 * The same optimum for a car that charges from the grid only in full-power blocks (g_t hours at maxW) and otherwise
 * in solar mode (only when S_t ≥ minW, all sun): the execution model of the evcc-style plan and of a block planner.
 * Sun taken in a block: min(S_t, maxW)·g_t. The difference to solveCostOptimum is what charging at the minimum
 * current on a partial surplus (or below full power) is worth.
 */
export async function solveBlockOptimum(input: CostOptimumInput): Promise<{ energyWh: number[]; sunWh: number[] }> {
  const { surplusW, buyPerKWh: c, feedInPerKWh: f, maxW, minW, sessions } = input;
  const out = { energyWh: surplusW.map(() => 0), sunWh: surplusW.map(() => 0) };
  const vars = sessions.flatMap((s, i) => s.steps.map(({ t, avail }) => {
    const sW = Math.max(0, surplusW[t]!);
    return { i, t, avail, g: `g${i}_${t}`, q: `q${i}_${t}`, blockSunW: Math.min(sW, maxW), solarW: sW >= minW ? Math.min(sW, maxW) : 0 };
  }));
  if (vars.length === 0) return out;
  const obj = vars.flatMap((v) => [`+ ${num((c[v.t]! * (maxW - v.blockSunW) + f * v.blockSunW) / 1000)} ${v.g}`,
    ...(v.solarW > 0 ? [`+ ${num(f / 1000)} ${v.q}`] : [])]);
  sessions.forEach((_, i) => obj.push(`+ 1000 u${i}`));
  const rows = vars.filter((v) => v.solarW > 0).map((v) => ` r${v.i}_${v.t}: ${v.q} + ${num(v.solarW)} ${v.g} <= ${num(v.solarW * v.avail)}`);
  sessions.forEach((s, i) => {
    const mine = vars.filter((v) => v.i === i);
    if (mine.length === 0) return;
    rows.push(` n${i}:\n${lines([...mine.flatMap((v) => [`+ ${num(maxW)} ${v.g}`, ...(v.solarW > 0 ? [`+ ${v.q}`] : [])]), `+ 1000 u${i}`])}\n  = ${num(s.needWh)}`);
  });
  const bounds = vars.map((v) => ` 0 <= ${v.g} <= ${num(v.avail)}`);
  const lp = `Minimize\n obj:\n${lines(obj)}\nSubject To\n${rows.join('\n')}\nBounds\n${bounds.join('\n')}\nEnd\n`;
  const r = solveOrThrow(await highs(), lp, 'block optimum');
  for (const v of vars) {
    const g = Math.max(0, r.Columns[v.g]?.Primal ?? 0);
    const q = v.solarW > 0 ? Math.max(0, r.Columns[v.q]?.Primal ?? 0) : 0;
    out.energyWh[v.t]! += g * maxW + q;
    out.sunWh[v.t]! += g * v.blockSunW + q;
  }
  return out;
}
