/** A small seeded PRNG (mulberry32) so the simulated weather and household are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The day number (UTC) of a time, used to seed one day's weather and appliance schedule. */
export function dayNumber(atMs: number): number {
  return Math.floor(atMs / 86_400_000);
}
