/** Polls until `probe` gives a value (a ledger that may not exist yet counts as no value), or fails after the timeout. */
export async function until<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = 120_000, pollMs = 15): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = probe();
      if (value) return value;
    } catch {
      // The ledger may not exist yet.
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
