/**
 * Perfect-foresight solar charging for one session (reference/control.md §8.1, the MILP variant with the 6 A floor,
 * one session at a time): per step t, surplus S_t (W), car power p_t = a_t·phases·V with whole amps
 * a_t ∈ {0} ∪ [minA, maxA], surplus captured c_t = min(p_t, S_t). Maximises Σ (c_t − importWeight·(p_t − c_t)) Δt:
 * each kWh the car takes from the grid costs `importWeight` kWh of captured surplus. The car takes at most `needWh`.
 * Returns p_t in W.
 */
export interface SolarOptimumInput {
  surplusW: readonly number[];
  stepH: number;
  needWh: number;
  importWeight: number;
  /** `switchesPhases`: a 3-phase car that can also charge on 1 phase (1-phase/3-phase switching) at any step. */
  car: { phases: number; voltageV: number; minA: number; maxA: number; switchesPhases?: boolean };
}

export function solveSolarOptimum(input: SolarOptimumInput): number[] {
  const { surplusW, needWh, car } = input;
  const out = surplusW.map(() => 0);
  if (needWh <= 0 || !surplusW.some((s) => s > 0)) return out;
  return solveDiscrete(input, car, out);
}

/** Value of a car power p at surplus s, W: surplus captured less importWeight times what came from the grid. */
function stepValueW(p: number, s: number, w: number): number {
  const captured = Math.min(p, Math.max(0, s));
  return captured - w * (p - captured);
}

/**
 * Solved exactly as a multiple-choice knapsack: per step at most one current; energy comes in whole units of one amp
 * for one step (phases·V·Δt Wh), so a dynamic programme over the energy still allowed is exact. (HiGHS's branch and
 * bound on the same model took from 0.1 s to over 5 s per session, and stopped at its MIP gap; the DP takes ms.)
 */
function solveDiscrete(input: SolarOptimumInput, car: SolarOptimumInput['car'], out: number[]): number[] {
  const { surplusW, stepH, needWh, importWeight: w } = input;
  // Units of energy per step: amps on all phases, or with switching amps on one phase (a 3-phase amp is 3 units).
  const switching = car.switchesPhases === true && car.phases === 3;
  const perA = switching ? car.voltageV : car.phases * car.voltageV;
  const sizes = switching
    ? [...new Set([...range(car.minA, car.maxA), ...range(car.minA, car.maxA).map((a) => 3 * a)])].sort((x, y) => x - y)
    : range(car.minA, car.maxA);
  // Options per step that are worth taking: more current only if it adds value.
  const options = surplusW.map((s) => {
    const list: { a: number; value: number }[] = [];
    let best = 0;
    for (const a of sizes) {
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

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
