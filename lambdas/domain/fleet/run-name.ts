/**
 * The EMR cluster name of a window is `rsched-<cluster>-<YYYYMMDDTHHMM>` (the
 * window's start, UTC; built by clusterRunName in adapters/aws/emr-control).
 * "EMR Cluster State Change" events carry it as `detail.name`, which is how
 * the registry finds the window of a cluster whose id→window alias is missing.
 * The name only locates the window: the window's own recorded cluster id must
 * match before the event counts as ours.
 */
export function parseClusterRunName(name: string): { cluster: string; windowStart: string } | undefined {
  const m = /^rsched-(.+)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})$/.exec(name);
  if (!m) return undefined;
  const [, cluster, y, mo, d, h, mi] = m as unknown as [string, string, string, string, string, string, string];
  const start = new Date(`${y}-${mo}-${d}T${h}:${mi}:00.000Z`);
  return Number.isNaN(start.getTime()) ? undefined : { cluster, windowStart: start.toISOString() };
}
