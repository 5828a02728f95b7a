import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Dag } from '../../domain/config/dag';
import { clusterStateRank } from '../../domain/fleet/emr-states';
import { isLive, toLiveCluster } from '../../domain/fleet/liveness';
import type { LiveCluster } from '../../ports/cluster-directory';
import type { ClusterRegistry, ClusterWindowRecord, RegistryPatch } from '../../ports/cluster-registry';
import { ExpressionBuilder, UpdateClauses } from './update-expression';

const ITEM_ONLY = new Set(['pk', 'sk', 'stateRank', 'expiresAt']);
/** Registry items outlive their window by this long, for history and reports. */
const RETENTION_SECONDS = 90 * 86_400;

function clusterPk(name: string): string {
  return `CLUSTER#${name}`;
}

function toRecord(item: Record<string, unknown>): ClusterWindowRecord {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !ITEM_ONLY.has(k))) as unknown as ClusterWindowRecord;
}

function isConditionalFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/**
 * The cluster registry on DynamoDB: one item per window (pk CLUSTER#<name>,
 * sk window start) and an alias item per EMR cluster id. A pool lookup costs
 * one Query per cluster serving the pool (known from the config), whatever the
 * size of the fleet.
 */
export class DynamoClusterRegistry implements ClusterRegistry {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly dag: Dag,
  ) {}

  private expiresAt(windowEnd: string): number {
    return Math.floor(Date.parse(windowEnd) / 1000) + RETENTION_SECONDS;
  }

  async liveClusterFor(pool: string, at: Date): Promise<LiveCluster | undefined> {
    const iso = at.toISOString();
    let best: ClusterWindowRecord | undefined;
    for (const cluster of this.dag.clustersByPool.get(pool) ?? []) {
      const record = await this.currentWindow(cluster.name, iso);
      // Of two live clusters, the one that stays up longer takes new work.
      if (record && isLive(record, iso) && (!best || record.windowEnd > best.windowEnd)) best = record;
    }
    return best && toLiveCluster(best);
  }

  async currentWindow(name: string, at: string): Promise<ClusterWindowRecord | undefined> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk <= :at',
        ExpressionAttributeValues: { ':pk': clusterPk(name), ':at': at },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = out.Items?.[0];
    return item ? toRecord(item) : undefined;
  }

  async listWindows(name: string, from: string, to: string): Promise<ClusterWindowRecord[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': clusterPk(name), ':from': from, ':to': to },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map(toRecord);
  }

  async claimWindow(
    record: Pick<ClusterWindowRecord, 'name' | 'windowStart' | 'windowEnd' | 'pools' | 'claimedAt'>,
  ): Promise<'claimed' | ClusterWindowRecord> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: clusterPk(record.name),
            sk: record.windowStart,
            ...record,
            state: 'PROVISIONING',
            stateRank: clusterStateRank('PROVISIONING'),
            expiresAt: this.expiresAt(record.windowEnd),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'claimed';
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: clusterPk(record.name), sk: record.windowStart }, ConsistentRead: true }),
      );
      return toRecord(out.Item as Record<string, unknown>);
    }
  }

  async takeOverClaim(name: string, windowStart: string, claimedAt: string, now: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: clusterPk(name), sk: windowStart },
          UpdateExpression: 'SET #claimedAt = :now, #state = :provisioning, #stateRank = :rank REMOVE #stateReason',
          ConditionExpression: '#claimedAt = :claimedAt AND attribute_not_exists(#clusterId)',
          ExpressionAttributeNames: {
            '#claimedAt': 'claimedAt',
            '#state': 'state',
            '#stateRank': 'stateRank',
            '#stateReason': 'stateReason',
            '#clusterId': 'clusterId',
          },
          ExpressionAttributeValues: {
            ':now': now,
            ':claimedAt': claimedAt,
            ':provisioning': 'PROVISIONING',
            ':rank': clusterStateRank('PROVISIONING'),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalFailure(err)) return false;
      throw err;
    }
  }

  async setClusterId(name: string, windowStart: string, clusterId: string, state: string): Promise<void> {
    const window = await this.update(name, windowStart, { clusterId, state });
    await this.putAlias(clusterId, name, windowStart, window?.windowEnd);
  }

  async ensureAlias(window: ClusterWindowRecord): Promise<boolean> {
    if (!window.clusterId) return false;
    const alias = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `ID#${window.clusterId}`, sk: 'ID' }, ConsistentRead: true }),
    );
    if (alias.Item?.name === window.name && alias.Item?.windowStart === window.windowStart) return false;
    await this.putAlias(window.clusterId, window.name, window.windowStart, window.windowEnd);
    return true;
  }

  /** The alias item from an EMR cluster id to its window (a plain put: writing it twice is harmless). */
  private async putAlias(clusterId: string, name: string, windowStart: string, windowEnd: string | undefined): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `ID#${clusterId}`, sk: 'ID', name, windowStart, ...(windowEnd ? { expiresAt: this.expiresAt(windowEnd) } : {}) },
      }),
    );
  }

  async findByClusterId(clusterId: string): Promise<ClusterWindowRecord | undefined> {
    const alias = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `ID#${clusterId}`, sk: 'ID' }, ConsistentRead: true }),
    );
    if (!alias.Item) return undefined;
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: clusterPk(alias.Item.name as string), sk: alias.Item.windowStart as string },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toRecord(out.Item) : undefined;
  }

  async update(name: string, windowStart: string, patch: RegistryPatch): Promise<ClusterWindowRecord | undefined> {
    const e = new ExpressionBuilder();
    const u = new UpdateClauses();
    for (const [field, value] of Object.entries(patch)) {
      if (value !== undefined) u.set.push(`${e.name(field)} = ${e.value(value)}`);
    }
    const conditions = [`attribute_exists(${e.name('pk')})`];
    if (patch.state !== undefined) {
      const rank = clusterStateRank(patch.state);
      u.set.push(`${e.name('stateRank')} = ${e.value(rank)}`);
      conditions.push(`${e.name('stateRank')} <= ${e.value(rank)}`);
    }
    if (u.set.length === 0) return undefined;
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: clusterPk(name), sk: windowStart },
          UpdateExpression: u.toString(),
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: e.names,
          ExpressionAttributeValues: e.values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRecord(out.Attributes as Record<string, unknown>);
    } catch (err) {
      if (isConditionalFailure(err)) return undefined;
      throw err;
    }
  }
}
