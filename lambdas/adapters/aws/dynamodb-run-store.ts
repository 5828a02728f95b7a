import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RunDate } from '../../domain/run-date';
import type { HistoryEntry, Run, RunKey } from '../../domain/runs/run';
import { RunState } from '../../domain/runs/states';
import type { AlertRecord, RejectionRecord, RunStore, Transition, TransitionGuard, UpstreamDone } from '../../ports/run-store';
import { DUE_PARTITION } from './table-design';
import { ExpressionBuilder, UpdateClauses } from './update-expression';

/** Attributes that are keys or bookkeeping of the item, not fields of a Run. */
const ITEM_ONLY = new Set(['pk', 'sk', 'duePk', 'expiresAt']);
const UPSTREAM_PARAMS_PREFIX = 'p#';
const DAY_SECONDS = 86_400;

export interface DynamoRunStoreOptions {
  readonly tableName: string;
  /** Runs, alerts and rejections are deleted by TTL this many days after their run date. */
  readonly retentionDays?: number;
}

function runPk(job: string): string {
  return `RUN#${job}`;
}

function isConditionalFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException';
}

interface StoredHistoryEntry {
  readonly at: string;
  readonly to: RunState;
  readonly by: HistoryEntry['by'];
  readonly why: string;
  readonly attempt?: number;
}

/** The stored history omits `from` (derivable) and sometimes `attempt` (carried forward). */
function expandHistory(stored: readonly StoredHistoryEntry[] | undefined): HistoryEntry[] {
  let from: RunState = RunState.PENDING;
  let attempt = 1;
  return (stored ?? []).map((e) => {
    attempt = e.attempt ?? attempt;
    const entry: HistoryEntry = { at: e.at, attempt, from, to: e.to, by: e.by, why: e.why };
    from = e.to;
    return entry;
  });
}

export function itemToRun(item: Record<string, unknown>): Run {
  const upstreamParams: Record<string, Record<string, string>> = {};
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    if (ITEM_ONLY.has(key)) continue;
    if (key.startsWith(UPSTREAM_PARAMS_PREFIX)) upstreamParams[key.slice(UPSTREAM_PARAMS_PREFIX.length)] = value as Record<string, string>;
    else fields[key] = value;
  }
  const done = fields.doneUpstreams instanceof Set ? [...(fields.doneUpstreams as Set<string>)].sort() : [];
  return {
    ...(fields as unknown as Run),
    doneUpstreams: done,
    upstreamParams,
    retriesUsed: (fields.retriesUsed as number | undefined) ?? 0,
    history: expandHistory(fields.history as StoredHistoryEntry[] | undefined),
  };
}

/**
 * RunStore on DynamoDB. Every state change is one UpdateItem whose condition is
 * built from the guard's named parts; a failed condition is the expected
 * outcome of losing a race and comes back as `undefined`.
 */
export class DynamoRunStore implements RunStore {
  private readonly table: string;
  private readonly retentionSeconds: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    options: DynamoRunStoreOptions,
  ) {
    this.table = options.tableName;
    this.retentionSeconds = (options.retentionDays ?? 400) * DAY_SECONDS;
  }

  private expiresAt(date: string): number {
    return Math.floor(Date.parse(`${date}T00:00:00Z`) / 1000) + this.retentionSeconds;
  }

  async get(key: RunKey): Promise<Run | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: runPk(key.job), sk: key.date }, ConsistentRead: true }),
    );
    return out.Item ? itemToRun(out.Item) : undefined;
  }

  private guardCondition(e: ExpressionBuilder, guard: TransitionGuard): string {
    const parts: string[] = [];
    const others = guard.states.filter((s) => s !== RunState.PENDING);
    const stateParts: string[] = [];
    if (guard.states.includes(RunState.PENDING)) stateParts.push(`attribute_not_exists(${e.name('pk')})`);
    if (others.length > 0) stateParts.push(`${e.name('state')} IN (${others.map((s) => e.value(s)).join(', ')})`);
    parts.push(stateParts.length === 1 ? (stateParts[0] as string) : `(${stateParts.join(' OR ')})`);
    if (guard.attempt !== undefined) parts.push(`${e.name('attempt')} = ${e.value(guard.attempt)}`);
    if (guard.claimToken !== undefined) parts.push(`${e.name('claimToken')} = ${e.value(guard.claimToken)}`);
    if (guard.dueAt !== undefined) parts.push(`${e.name('dueAt')} = ${e.value(guard.dueAt)}`);
    if (guard.newerMarker) {
      const f = e.name(guard.newerMarker.field);
      parts.push(`(attribute_not_exists(${f}) OR ${f} < ${e.value(guard.newerMarker.sequencer)})`);
    }
    if (guard.eventNotBefore !== undefined) {
      const f = e.name('markersFrom');
      parts.push(`(attribute_not_exists(${f}) OR ${f} <= ${e.value(guard.eventNotBefore)})`);
    }
    if (guard.retriesUsedBelow !== undefined) {
      const f = e.name('retriesUsed');
      parts.push(`(attribute_not_exists(${f}) OR ${f} < ${e.value(guard.retriesUsedBelow)})`);
    }
    return parts.join(' AND ');
  }

  async transition(t: Transition): Promise<Run | undefined> {
    const e = new ExpressionBuilder();
    const u = new UpdateClauses();
    const set = (field: string, value: unknown) => u.set.push(`${e.name(field)} = ${e.value(value)}`);
    const setIfAbsent = (field: string, value: unknown) =>
      u.set.push(`${e.name(field)} = if_not_exists(${e.name(field)}, ${e.value(value)})`);

    set('state', t.to);
    set('job', t.key.job);
    set('date', t.key.date);
    set('expiresAt', this.expiresAt(t.key.date));
    const fields = { ...(t.set ?? {}) } as Record<string, unknown>;
    if (fields.attempt === undefined) setIfAbsent('attempt', 1);
    if (fields.retriesUsed === undefined) setIfAbsent('retriesUsed', 0);
    if (fields.attemptStartedAt === undefined) setIfAbsent('attemptStartedAt', t.at);
    const removed = new Set<string>(t.remove ?? []);
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      if (removed.has(field)) throw new Error(`transition both sets and removes ${field}`);
      if (field === 'doneUpstreams') {
        const list = value as string[];
        if (list.length > 0) set(field, new Set(list));
        else removed.add(field);
      } else if (field === 'upstreamParams') {
        for (const [upstream, params] of Object.entries(value as Record<string, unknown>))
          set(`${UPSTREAM_PARAMS_PREFIX}${upstream}`, params);
      } else {
        set(field, value);
        if (field === 'dueAt') set('duePk', DUE_PARTITION);
      }
    }
    for (const field of removed) {
      u.remove.push(e.name(field));
      if (field === 'dueAt') u.remove.push(e.name('duePk'));
    }
    for (const upstream of t.removeUpstreamParams ?? []) u.remove.push(e.name(`${UPSTREAM_PARAMS_PREFIX}${upstream}`));
    if (!t.quiet) {
      const attempt = (fields.attempt as number | undefined) ?? t.guard.attempt;
      const entry: StoredHistoryEntry = { at: t.at, to: t.to, by: t.by, why: t.why, ...(attempt !== undefined ? { attempt } : {}) };
      u.set.push(`${e.name('history')} = list_append(if_not_exists(${e.name('history')}, ${e.value([])}), ${e.value([entry])})`);
    }
    return this.guardedUpdate(t.key, e, u, this.guardCondition(e, t.guard));
  }

  async addUpstreamDone(d: UpstreamDone): Promise<Run | undefined> {
    const e = new ExpressionBuilder();
    const u = new UpdateClauses();
    const set = (field: string, value: unknown) => u.set.push(`${e.name(field)} = ${e.value(value)}`);
    const setIfAbsent = (field: string, value: unknown) =>
      u.set.push(`${e.name(field)} = if_not_exists(${e.name(field)}, ${e.value(value)})`);
    set('state', RunState.WAITING);
    set('job', d.key.job);
    set('date', d.key.date);
    set('expiresAt', this.expiresAt(d.key.date));
    setIfAbsent('attempt', 1);
    setIfAbsent('retriesUsed', 0);
    setIfAbsent('attemptStartedAt', d.at);
    setIfAbsent('waitStartedAt', d.at);
    setIfAbsent('deadlineAt', d.deadlineAt);
    setIfAbsent('dueAt', d.deadlineAt);
    set('duePk', DUE_PARTITION);
    if (Object.keys(d.params).length > 0) set(`${UPSTREAM_PARAMS_PREFIX}${d.upstream}`, d.params);
    const entry: StoredHistoryEntry = { at: d.at, to: RunState.WAITING, by: d.by, why: `upstream ${d.upstream} succeeded` };
    u.set.push(`${e.name('history')} = list_append(if_not_exists(${e.name('history')}, ${e.value([])}), ${e.value([entry])})`);
    u.add.push(`${e.name('doneUpstreams')} ${e.value(new Set([d.upstream]))}`);
    const condition =
      `(attribute_not_exists(${e.name('pk')}) OR ${e.name('state')} = ${e.value(RunState.WAITING)})` +
      ` AND NOT contains(${e.name('doneUpstreams')}, ${e.value(d.upstream)})`;
    return this.guardedUpdate(d.key, e, u, condition);
  }

  /** One conditional UpdateItem; a failed condition is a lost race, returned as undefined. */
  private async guardedUpdate(key: RunKey, e: ExpressionBuilder, u: UpdateClauses, condition: string): Promise<Run | undefined> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: runPk(key.job), sk: key.date },
          UpdateExpression: u.toString(),
          ConditionExpression: condition,
          ExpressionAttributeNames: e.names,
          ExpressionAttributeValues: e.values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return itemToRun(out.Attributes as Record<string, unknown>);
    } catch (err) {
      if (isConditionalFailure(err)) return undefined;
      throw err;
    }
  }

  private async queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...((out.Items ?? []) as Record<string, unknown>[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async listByDate(date: RunDate): Promise<Run[]> {
    const items = await this.queryAll({
      TableName: this.table,
      IndexName: 'byDate',
      KeyConditionExpression: '#d = :d',
      ExpressionAttributeNames: { '#d': 'date' },
      ExpressionAttributeValues: { ':d': date },
    });
    return items.map(itemToRun);
  }

  async listByJob(job: string, from: RunDate, to: RunDate): Promise<Run[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': runPk(job), ':from': from, ':to': to },
    });
    return items.map(itemToRun);
  }

  async listDue(at: string, limit: number): Promise<Run[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byDue',
        KeyConditionExpression: 'duePk = :p AND dueAt <= :at',
        ExpressionAttributeValues: { ':p': DUE_PARTITION, ':at': at },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => itemToRun(i as Record<string, unknown>));
  }

  async nextDueAt(): Promise<string | undefined> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byDue',
        KeyConditionExpression: 'duePk = :p',
        ExpressionAttributeValues: { ':p': DUE_PARTITION },
        ProjectionExpression: 'dueAt',
        Limit: 1,
      }),
    );
    return out.Items?.[0]?.dueAt as string | undefined;
  }

  async listWaitingForPool(pool: string): Promise<Run[]> {
    const items = await this.queryAll({
      TableName: this.table,
      IndexName: 'byPool',
      KeyConditionExpression: 'waitPool = :p',
      ExpressionAttributeValues: { ':p': pool },
    });
    return items.map(itemToRun);
  }

  private alertKey(a: AlertRecord): { pk: string; sk: string } {
    return { pk: `ALERT#${a.date}`, sk: `${a.job ?? a.subject ?? '-'}#${a.kind}#${a.attempt ?? '-'}` };
  }

  async putAlert(alert: AlertRecord): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...this.alertKey(alert), ...alert, alertDate: alert.date, date: undefined, expiresAt: this.expiresAt(alert.date) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalFailure(err)) return false;
      throw err;
    }
  }

  async deleteAlert(alert: AlertRecord): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: this.alertKey(alert) }));
  }

  async listAlerts(date: RunDate): Promise<AlertRecord[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `ALERT#${date}` },
    });
    return items
      .map(({ pk, sk, alertDate, expiresAt, ...rest }) => ({ ...rest, date: alertDate }) as unknown as AlertRecord)
      .sort((a, b) => a.at.localeCompare(b.at));
  }

  async putRejection(r: RejectionRecord): Promise<boolean> {
    const day = r.eventTime.slice(0, 10);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `REJECTED#${day}`, sk: `${r.key}#${r.sequencer}`, ...r, expiresAt: this.expiresAt(day) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalFailure(err)) return false;
      throw err;
    }
  }

  async getCursor(name: string): Promise<string | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: 'CURSOR', sk: name }, ConsistentRead: true }));
    return out.Item?.at as string | undefined;
  }

  async moveCursor(name: string, from: string | undefined, to: string): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: 'CURSOR', sk: name, at: to },
          ConditionExpression: from === undefined ? 'attribute_not_exists(pk)' : '#at = :from',
          ...(from === undefined ? {} : { ExpressionAttributeNames: { '#at': 'at' }, ExpressionAttributeValues: { ':from': from } }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalFailure(err)) return false;
      throw err;
    }
  }
}
