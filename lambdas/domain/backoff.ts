/**
 * Delay before try number `tryIndex` (0 = first retry) of a failed call:
 * exponential from `baseMs`, capped at `capMs`. Deterministic on purpose so
 * tests and simulations replay exactly; the SDK adds its own jitter below us.
 */
export function backoffMs(tryIndex: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** tryIndex);
}
