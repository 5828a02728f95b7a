/** The nearest-rank percentile of sorted values (null for none): `rsched history`'s p50/p95 and PREDICTED_LATE's p95. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}
