/**
 * Key design of the DynamoDB tables, shared by the CDK stack and the local
 * runtime so both create exactly the same tables. Plain data: no SDK import.
 *
 * Runs table (one item per run, plus alerts, rejections and cursors):
 *   pk = RUN#<job>        sk = <YYYY-MM-DD>            a run, its history inside
 *   pk = ALERT#<date>     sk = <job|subject>#<kind>#<attempt>
 *   pk = REJECTED#<day>   sk = <key>#<sequencer>
 *   pk = CURSOR           sk = <name>                  incl. rerun-slot-<n>: the late-data rerun cap (engine/rerun-slots)
 *   pk = BACKFILL         sk = <id>
 * Indexes:
 *   byDate  date / job         status of a day (one Query)
 *   byDue   duePk / dueAt      the sweeper's work list (sparse: only runs with a dueAt)
 *   byPool  waitPool / dueAt   runs waiting for a cluster of a pool (sparse)
 *   bySubmission  submissionId / sk   the run whose current attempt a service run id belongs to
 *                 (sparse: set by recordSubmission, cleared when a new attempt starts; KEYS_ONLY is
 *                 enough, the run is then read with a consistent GetItem — docs/completion.md)
 *
 * Clusters table (the registry):
 *   pk = CLUSTER#<name>   sk = <window start ISO>       one item per time-of-day window
 *   pk = ID#<clusterId>   sk = ID                       alias from EMR's id to its window
 */

export interface IndexDesign {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** @default 'ALL' */
  readonly projection?: 'ALL' | 'KEYS_ONLY';
}

export interface TableDesign {
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly indexes: readonly IndexDesign[];
  /** Epoch-seconds attribute after which DynamoDB deletes the item. */
  readonly ttlAttribute: string;
}

export const RUNS_TABLE: TableDesign = {
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [
    { name: 'byDate', partitionKey: 'date', sortKey: 'job' },
    { name: 'byDue', partitionKey: 'duePk', sortKey: 'dueAt' },
    { name: 'byPool', partitionKey: 'waitPool', sortKey: 'dueAt' },
    { name: 'bySubmission', partitionKey: 'submissionId', sortKey: 'sk', projection: 'KEYS_ONLY' },
  ],
  ttlAttribute: 'expiresAt',
};

export const CLUSTERS_TABLE: TableDesign = {
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [],
  ttlAttribute: 'expiresAt',
};

/** The constant partition of the byDue index. */
export const DUE_PARTITION = 'DUE';

/** CreateTable input for the emulators (on-demand, all attributes projected). */
export function createTableInput(design: TableDesign, tableName: string) {
  const attributes = new Set([design.partitionKey, design.sortKey, ...design.indexes.flatMap((i) => [i.partitionKey, i.sortKey])]);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: design.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: design.sortKey, KeyType: 'RANGE' as const },
    ],
    ...(design.indexes.length > 0
      ? {
          GlobalSecondaryIndexes: design.indexes.map((i) => ({
            IndexName: i.name,
            KeySchema: [
              { AttributeName: i.partitionKey, KeyType: 'HASH' as const },
              { AttributeName: i.sortKey, KeyType: 'RANGE' as const },
            ],
            Projection: { ProjectionType: i.projection ?? ('ALL' as const) },
          })),
        }
      : {}),
  };
}
