/** HiGHS (WASM) with CPLEX LP text, and small helpers to write LP files. */
export type HighsSolver = { solve(problem: string, options?: Record<string, unknown>): HighsResult };
export interface HighsResult {
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
export function lines(terms: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < terms.length; i += 8) out.push(`  ${terms.slice(i, i + 8).join(' ')}`);
  return out.join('\n');
}

export function num(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(12)).toString() : x > 0 ? 'inf' : '-inf';
}

export function solveOrThrow(h: HighsSolver, lp: string, what: string): HighsResult {
  const r = h.solve(lp);
  if (r.Status !== 'Optimal') throw new Error(`${what}: HiGHS status ${r.Status}`);
  return r;
}
