/**
 * Waits for real I/O (a TCP round trip, a WebSocket frame) to make `check` pass, polling between event-loop turns.
 * It waits for an event, not for time: it returns as soon as the condition holds and fails after `timeoutMs`.
 */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
