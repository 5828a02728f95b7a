import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Dag } from '../../domain/config/dag';
import type { ClusterDirectory, LiveCluster } from '../../ports/cluster-directory';

/** EMR states in which a cluster accepts steps. */
export const READY_STATES = ['WAITING', 'RUNNING'];

/** One time-of-day window of a cluster, as the registry stores it. */
export interface ClusterWindowItem {
  readonly name: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly pools: readonly string[];
  readonly state: string;
  readonly clusterId?: string;
  readonly masterIp?: string;
  readonly masterDns?: string;
  readonly readyAt?: string;
  readonly terminatedAt?: string;
  /** Set at stop: no new steps are routed here while running steps finish. */
  readonly draining?: boolean;
}

export function isLive(item: ClusterWindowItem, at: string): boolean {
  return (
    READY_STATES.includes(item.state) && !item.draining && item.clusterId !== undefined && item.windowStart <= at && at < item.windowEnd
  );
}

/**
 * Finds the live cluster for a pool from the registry table. The pool's
 * clusters come from the config, so a lookup costs one Query per cluster
 * serving the pool, whatever the size of the fleet.
 */
export class DynamoClusterDirectory implements ClusterDirectory {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly dag: Dag,
  ) {}

  /** The window of `name` in force at `at` (the latest one that started by then). */
  async currentWindow(name: string, at: string): Promise<ClusterWindowItem | undefined> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk <= :at',
        ExpressionAttributeValues: { ':pk': `CLUSTER#${name}`, ':at': at },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return out.Items?.[0] as ClusterWindowItem | undefined;
  }

  async liveClusterFor(pool: string, at: Date): Promise<LiveCluster | undefined> {
    const iso = at.toISOString();
    let best: ClusterWindowItem | undefined;
    for (const cluster of this.dag.clustersByPool.get(pool) ?? []) {
      const item = await this.currentWindow(cluster.name, iso);
      // Of two live clusters, the one that stays up longer takes new work.
      if (item && isLive(item, iso) && (!best || item.windowEnd > best.windowEnd)) best = item;
    }
    if (!best) return undefined;
    return {
      name: best.name,
      id: best.clusterId as string,
      masterIp: best.masterIp,
      masterDns: best.masterDns,
      pools: best.pools,
      windowStart: best.windowStart,
      windowEnd: best.windowEnd,
    };
  }
}
