/**
 * Perfect-foresight optima with HiGHS (reference/control.md §8.1), from CPLEX LP text.
 */
type HighsSolver = { solve(problem: string, options?: Record<string, unknown>): HighsResult };
interface HighsResult {
  Status: string;
  ObjectiveValue: number;
  Columns: Record<string, { Primal: number }>;
}

let solver: Promise<HighsSolver> | undefined;

/** The HiGHS WASM solver, loaded once. (The package's ESM entry default-exports the loader.) */
export async function highs(): Promise<HighsSolver> {
  solver ??= import('highs').then(async (m) => {
    const loader = m.default as unknown as () => Promise<HighsSolver>;
    return loader();
  });
  return solver;
}

/** Writes `terms` (already signed, e.g. "+ 2 x1") a few per line: LP readers limit line length. */
function lines(terms: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < terms.length; i += 8) out.push(`  ${terms.slice(i, i + 8).join(' ')}`);
  return out.join('\n');
}

function num(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(12)).toString() : x > 0 ? 'inf' : '-inf';
}

function solveOrThrow(h: HighsSolver, lp: string, what: string): HighsResult {
  const r = h.solve(lp);
  if (r.Status !== 'Optimal') throw new Error(`${what}: HiGHS status ${r.Status}`);
  return r;
}

/**
 * Solar charging optimum for one session: per step t, surplus S_t (W, > 0 only), car power p_t, surplus captured
 * c_t = min(p_t, S_t). Maximises Σ (c_t − importWeight·(p_t − c_t)) Δt: each kWh the car takes from the grid costs
 * `importWeight` kWh of captured surplus. The car takes at most `needWh`.
 * Discrete (the plant): p_t = a_t·phases·V with whole amps a_t ∈ {0} ∪ [minA, maxA]. Continuous: 0 ≤ p_t ≤ maxW.
 * Returns p_t in W.
 */
export interface SolarOptimumInput {
  surplusW: readonly number[];
  stepH: number;
  needWh: number;
  importWeight: number;
  car: { kind: 'discrete'; phases: number; voltageV: number; minA: number; maxA: number } | { kind: 'continuous'; maxW: number };
}

export async function solveSolarOptimum(input: SolarOptimumInput): Promise<number[]> {
  const { surplusW, needWh, car } = input;
  const out = surplusW.map(() => 0);
  if (needWh <= 0 || !surplusW.some((s) => s > 0)) return out;
  return car.kind === 'discrete' ? solveDiscrete(input, car, out) : solveContinuous(input, car.maxW, out);
}

/** Value of a car power p at surplus s, W: surplus captured less importWeight times what came from the grid. */
function stepValueW(p: number, s: number, w: number): number {
  const captured = Math.min(p, Math.max(0, s));
  return captured - w * (p - captured);
}

/**
 * Whole amps, solved exactly: per step pick at most one current; energy comes in whole units of one amp for one step
 * (phases·V·Δt Wh), so a dynamic programme over the energy still allowed is exact. (HiGHS's branch and bound on the
 * same multiple-choice knapsack took from 0.1 s to over 5 s per session; the DP takes milliseconds.)
 */
function solveDiscrete(input: SolarOptimumInput, car: { phases: number; voltageV: number; minA: number; maxA: number }, out: number[]): number[] {
  const { surplusW, stepH, needWh, importWeight: w } = input;
  const perA = car.phases * car.voltageV;
  // Options per step that are worth taking: more current only if it adds value.
  const options = surplusW.map((s) => {
    const list: { a: number; value: number }[] = [];
    let best = 0;
    for (let a = car.minA; a <= car.maxA; a++) {
      const value = stepValueW(a * perA, s, w);
      if (value > best + 1e-9) { list.push({ a, value }); best = value; }
    }
    return list;
  });
  const greedy = options.map((o) => o[o.length - 1]?.a ?? 0);
  const capacity = Math.floor(needWh / (perA * stepH) + 1e-9);
  if (greedy.reduce((sum, a) => sum + a, 0) <= capacity) {
    greedy.forEach((a, t) => { out[t] = a * perA; });
    return out;
  }
  const live = options.map((o, t) => (o.length > 0 ? t : -1)).filter((t) => t >= 0);
  const C = capacity;
  let value = new Float64Array(C + 1);
  let nextValue = new Float64Array(C + 1);
  const choice = new Uint8Array(live.length * (C + 1));
  live.forEach((t, k) => {
    const opts = options[t]!;
    for (let c = 0; c <= C; c++) {
      let best = value[c]!;
      let pick = 0;
      for (const o of opts) {
        if (o.a > c) break;
        const v = value[c - o.a]! + o.value;
        if (v > best + 1e-9) { best = v; pick = o.a; }
      }
      nextValue[c] = best;
      choice[k * (C + 1) + c] = pick;
    }
    [value, nextValue] = [nextValue, value];
  });
  let c = C;
  for (let k = live.length - 1; k >= 0; k--) {
    const a = choice[k * (C + 1) + c]!;
    out[live[k]!] = a * perA;
    c -= a;
  }
  return out;
}

async function solveContinuous(input: SolarOptimumInput, maxW: number, out: number[]): Promise<number[]> {
  const { surplusW, stepH, needWh, importWeight: w } = input;
  const live = surplusW.map((s, t) => (s > 0 ? t : -1)).filter((t) => t >= 0);
  const obj = live.flatMap((t) => [`+ ${num(1 + w)} c${t}`, `- ${num(w)} p${t}`]);
  const rows = live.map((t) => ` k${t}: c${t} - p${t} <= 0`);
  rows.push(` need:\n${lines(live.map((t) => `+ ${num(stepH)} p${t}`))}\n  <= ${num(needWh / 1000)}`);
  const bounds = live.flatMap((t) => [` 0 <= c${t} <= ${num(surplusW[t]! / 1000)}`, ` 0 <= p${t} <= ${num(maxW / 1000)}`]);
  const lp = `Maximize\n obj:\n${lines(obj)}\nSubject To\n${rows.join('\n')}\nBounds\n${bounds.join('\n')}\nEnd\n`;
  const r = solveOrThrow(await highs(), lp, 'solar optimum');
  for (const t of live) out[t] = Math.max(0, r.Columns[`p${t}`]?.Primal ?? 0) * 1000;
  return out;
}

/**
 * Cost optimum (§8.1): hourly steps t with home load L_t and PV_t (W), buy price c_t and feed-in price f (€/kWh);
 * the car may take p_t ≤ maxW·avail_t; each session must get its energy by departure (slack u_s at a high price).
 * Minimises Σ (c_t g⁺_t − f g⁻_t) Δt + M Σ u_s + ε Σ p_t. Export is bounded by PV, import by the fuse.
 * Returns p_t in W for every step (0 outside sessions).
 */
export interface CostOptimumInput {
  loadW: readonly number[];
  pvW: readonly number[];
  buyPerKWh: readonly number[];
  feedInPerKWh: number;
  stepH: number;
  maxW: number;
  fuseW: number;
  sessions: readonly { steps: readonly { t: number; avail: number }[]; needWh: number }[];
}

export async function solveCostOptimum(input: CostOptimumInput): Promise<number[]> {
  const { loadW, pvW, buyPerKWh: c, feedInPerKWh: f, stepH, maxW, fuseW, sessions } = input;
  const out = loadW.map(() => 0);
  const avail = new Map<number, number>();
  for (const s of sessions) for (const { t, avail: a } of s.steps) avail.set(t, Math.max(avail.get(t) ?? 0, a));
  const steps = [...avail.keys()].sort((a, b) => a - b);
  if (steps.length === 0) return out;
  const obj = steps.flatMap((t) => [`+ ${num(c[t]! * stepH)} gp${t}`, `- ${num(f * stepH)} gm${t}`, `+ 0.000001 p${t}`]);
  sessions.forEach((_, s) => obj.push(`+ 1000 u${s}`));
  const rows = steps.map((t) => ` b${t}: gp${t} - gm${t} - p${t} = ${num((loadW[t]! - pvW[t]!) / 1000)}`);
  sessions.forEach((s, i) => {
    if (s.steps.length === 0) return;
    rows.push(` e${i}:\n${lines([...s.steps.map(({ t }) => `+ ${num(stepH)} p${t}`), `+ 1 u${i}`])}\n  = ${num(s.needWh / 1000)}`);
  });
  const bounds = steps.flatMap((t) => [
    ` 0 <= p${t} <= ${num(maxW * avail.get(t)! / 1000)}`,
    ` 0 <= gp${t} <= ${num(Math.max(fuseW, loadW[t]! - pvW[t]!) / 1000)}`,
    ` 0 <= gm${t} <= ${num(Math.max(0, pvW[t]!) / 1000)}`,
  ]);
  const lp = `Minimize\n obj:\n${lines(obj)}\nSubject To\n${rows.join('\n')}\nBounds\n${bounds.join('\n')}\nEnd\n`;
  const r = solveOrThrow(await highs(), lp, 'cost optimum');
  for (const t of steps) out[t] = Math.max(0, r.Columns[`p${t}`]?.Primal ?? 0) * 1000;
  return out;
}
