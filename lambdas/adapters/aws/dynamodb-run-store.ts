import { randomUUID } from 'node:crypto';
import { type AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { RunDate } from '../../domain/run-date';
import type { Run, RunKey } from '../../domain/runs/run';
import { RunState } from '../../domain/runs/states';
import {
  assertAllowed,
  type Transition,
  type TransitionGuard,
  type TransitionResult,
  type UpstreamDone,
} from '../../domain/runs/transitions';
import { DUE_PARTITION } from '../../domain/table-design';
import type { AlertRecord, AlertStatus, DuePage, RejectionRecord, RunStore } from '../../ports/run-store';
import { decodeRun, FLOOR_PREFIX, type StoredHistoryEntry } from './run-item';
import { ExpressionBuilder, UpdateClauses } from './update-expression';

const DAY_SECONDS = 86_400;
/** BatchGetItem takes at most 100 keys a request. */
const BATCH_GET_LIMIT = 100;

export interface DynamoRunStoreOptions {
  readonly tableName: string;
  /** Runs, alerts and rejections are deleted by TTL this many days after their run date. */
  readonly retentionDays?: number;
}

function runPk(job: string): string {
  return `RUN#${job}`;
}

function isConditionalFailure(err: unknown): boolean {
  return conditionFailure(err) !== undefined;
}

function conditionFailure(err: unknown): { item?: Record<string, unknown> } | undefined {
  const failed = err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException';
  if (!failed) return undefined;
  // ReturnValuesOnConditionCheckFailure=ALL_OLD: the item as it is, in wire format (the document client does not
  // unmarshall errors). Some emulators (dynalite) leave it out: the caller reads the item instead.
  const raw = (err as { Item?: Record<string, AttributeValue> }).Item;
  return { item: raw ? unmarshall(raw) : undefined };
}

/**
 * RunStore on DynamoDB. Every state change is one UpdateItem whose condition is
 * built from the guard's named parts, and which stamps the item with a fresh
 * `writeId`. A failed condition is judged by the item as it is: if it carries
 * our writeId, the SDK retried a write that had already taken effect (answer
 * lost, or a 5xx after it applied) and the write is ours; otherwise someone
 * else got there first and the caller gets the winner.
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
    // An hourly run's date is YYYY-MM-DDTHH (docs/hourly.md): it expires with its day.
    return Math.floor(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) / 1000) + this.retentionSeconds;
  }

  async get(key: RunKey): Promise<Run | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: runPk(key.job), sk: key.date }, ConsistentRead: true }),
    );
    return out.Item ? decodeRun(out.Item) : undefined;
  }

  async getMany(keys: readonly RunKey[]): Promise<Run[]> {
    const runs: Run[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let request: Record<string, unknown>[] | undefined = keys
        .slice(i, i + BATCH_GET_LIMIT)
        .map((k) => ({ pk: runPk(k.job), sk: k.date }));
      for (let round = 0; request && request.length > 0; round++) {
        if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** round)));
        const out = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: request, ConsistentRead: true } } }));
        runs.push(...(out.Responses?.[this.table] ?? []).map((item) => decodeRun(item)));
        // Unprocessed keys (throttling, size) are asked again with backoff, as the BatchGetItem docs advise.
        request = out.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return runs;
  }

  private guardCondition(e: ExpressionBuilder, guard: TransitionGuard): string {
    const parts: string[] = [];
    const others = guard.states.filter((s) => s !== RunState.PENDING);
    const stateParts: string[] = [];
    if (guard.states.includes(RunState.PENDING)) stateParts.push(`attribute_not_exists(${e.name('pk')})`);
    if (others.length > 0) stateParts.push(`${e.name('state')} IN (${others.map((s) => e.value(s)).join(', ')})`);
    parts.push(stateParts.length === 1 ? (stateParts[0] as string) : `(${stateParts.join(' OR ')})`);
    if (guard.attempt !== undefined) {
      const attempt = `${e.name('attempt')} = ${e.value(guard.attempt)}`;
      // A run with no item is PENDING at attempt 1 (a marker naming attempt 1 may create it).
      const pendingFirst = guard.attempt === 1 && guard.states.includes(RunState.PENDING);
      parts.push(pendingFirst ? `(attribute_not_exists(${e.name('pk')}) OR ${attempt})` : attempt);
    }
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
    if (guard.upstreamAttempt) {
      const f = e.name(`${FLOOR_PREFIX}${guard.upstreamAttempt.upstream}`);
      parts.push(`(attribute_not_exists(${f}) OR ${f} <= ${e.value(guard.upstreamAttempt.attempt)})`);
    }
    if (guard.lastDoneSeq !== undefined) parts.push(`${e.name('lastDoneSeq')} = ${e.value(guard.lastDoneSeq)}`);
    if (guard.lateSeq !== undefined) {
      const f = e.name('lateSeq');
      parts.push(guard.lateSeq === null ? `attribute_not_exists(${f})` : `${f} = ${e.value(guard.lateSeq)}`);
    }
    if (guard.retriesUsedBelow !== undefined) {
      const f = e.name('retriesUsed');
      parts.push(`(attribute_not_exists(${f}) OR ${f} < ${e.value(guard.retriesUsedBelow)})`);
    }
    return parts.join(' AND ');
  }

  async transition(t: Transition): Promise<TransitionResult> {
    assertAllowed(t);
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
      } else if (field === 'upstreamFloors') {
        for (const [upstream, attempt] of Object.entries(value as Record<string, number>)) set(`${FLOOR_PREFIX}${upstream}`, attempt);
      } else {
        set(field, value);
        if (field === 'dueAt') set('duePk', DUE_PARTITION);
      }
    }
    for (const field of removed) {
      u.remove.push(e.name(field));
      if (field === 'dueAt') u.remove.push(e.name('duePk'));
    }
    if (!t.quiet) {
      const attempt = (fields.attempt as number | undefined) ?? t.guard.attempt;
      const entry: StoredHistoryEntry = {
        at: t.at,
        to: t.to,
        by: t.by,
        why: t.why,
        ...(attempt !== undefined ? { attempt } : {}),
        ...(t.cause ? { cause: t.cause } : {}),
      };
      u.set.push(`${e.name('history')} = list_append(if_not_exists(${e.name('history')}, ${e.value([])}), ${e.value([entry])})`);
    }
    return this.guardedUpdate(t.key, e, u, this.guardCondition(e, t.guard));
  }

  async addUpstreamDone(d: UpstreamDone): Promise<TransitionResult> {
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
    const entry: StoredHistoryEntry = { at: d.at, to: RunState.WAITING, by: d.by, why: `upstream ${d.upstream} succeeded` };
    u.set.push(`${e.name('history')} = list_append(if_not_exists(${e.name('history')}, ${e.value([])}), ${e.value([entry])})`);
    u.add.push(`${e.name('doneUpstreams')} ${e.value(new Set([d.upstream]))}`);
    const floor = e.name(`${FLOOR_PREFIX}${d.upstream}`);
    const condition =
      `(attribute_not_exists(${e.name('pk')}) OR ${e.name('state')} = ${e.value(RunState.WAITING)})` +
      ` AND NOT contains(${e.name('doneUpstreams')}, ${e.value(d.upstream)})` +
      ` AND (attribute_not_exists(${floor}) OR ${floor} <= ${e.value(d.upstreamAttempt)})`;
    return this.guardedUpdate(d.key, e, u, condition);
  }

  /**
   * One conditional UpdateItem, stamped with a fresh writeId. A failed
   * condition is judged by the item as it is now (see the class comment).
   */
  private async guardedUpdate(key: RunKey, e: ExpressionBuilder, u: UpdateClauses, condition: string): Promise<TransitionResult> {
    const writeId = randomUUID();
    u.set.push(`${e.name('writeId')} = ${e.value(writeId)}`);
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
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true, run: decodeRun(out.Attributes as Record<string, unknown>) };
    } catch (err) {
      const failure = conditionFailure(err);
      if (!failure) throw err;
      const item =
        failure.item ??
        (await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: runPk(key.job), sk: key.date }, ConsistentRead: true })))
          .Item;
      const current = item ? decodeRun(item) : undefined;
      if (item?.writeId === writeId && current) return { ok: true, run: current };
      return { ok: false, current };
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
    return items.map((i) => decodeRun(i));
  }

  async listByJob(job: string, from: RunDate, to: RunDate): Promise<Run[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': runPk(job), ':from': from, ':to': to },
    });
    return items.map((i) => decodeRun(i));
  }

  async listDue(at: string, limit: number, after?: string): Promise<DuePage> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byDue',
        KeyConditionExpression: 'duePk = :p AND dueAt <= :at',
        ExpressionAttributeValues: { ':p': DUE_PARTITION, ':at': at },
        Limit: limit,
        ...(after ? { ExclusiveStartKey: JSON.parse(after) as Record<string, unknown> } : {}),
      }),
    );
    const runs = (out.Items ?? []).map((i) => decodeRun(i as Record<string, unknown>));
    return { runs, ...(out.LastEvaluatedKey ? { next: JSON.stringify(out.LastEvaluatedKey) } : {}) };
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
    return items.map((i) => decodeRun(i));
  }

  async findBySubmission(submissionId: string): Promise<RunKey[]> {
    // KEYS_ONLY index (table-design.ts): a few bytes per run, whatever the run's history weighs.
    const items = await this.queryAll({
      TableName: this.table,
      IndexName: 'bySubmission',
      KeyConditionExpression: 'submissionId = :s',
      ExpressionAttributeValues: { ':s': submissionId },
    });
    return items
      .filter((i) => typeof i.pk === 'string' && (i.pk as string).startsWith('RUN#'))
      .map((i) => ({ job: (i.pk as string).slice('RUN#'.length), date: i.sk as RunDate }));
  }

  private alertKey(a: AlertRecord): { pk: string; sk: string } {
    // A run's alert with a subject too is one per subject: LATE_DATA is once per (run, upstream, sequencer).
    const about = a.job !== undefined && a.subject !== undefined ? `#${a.subject}` : '';
    // An hourly run's alert (date YYYY-MM-DDTHH, docs/hourly.md) is kept with its day, one per hour.
    const hour = a.date.length > 10 ? `@${a.date.slice(11)}` : '';
    return { pk: `ALERT#${a.date.slice(0, 10)}`, sk: `${a.job ?? a.subject ?? '-'}${hour}#${a.kind}#${a.attempt ?? '-'}${about}` };
  }

  async putAlert(alert: AlertRecord): Promise<AlertStatus> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...this.alertKey(alert), ...alert, alertDate: alert.date, date: undefined, expiresAt: this.expiresAt(alert.date) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'new';
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
      // Recorded before: by us (a retried put, or a handler that died before publishing) or by another handler.
      const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: this.alertKey(alert), ConsistentRead: true }));
      return out.Item?.sentAt ? 'sent' : 'unsent';
    }
  }

  async markAlertSent(alert: AlertRecord, at: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.alertKey(alert),
        UpdateExpression: 'SET sentAt = if_not_exists(sentAt, :at)',
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  }

  async listAlerts(date: RunDate): Promise<AlertRecord[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `ALERT#${date}` },
    });
    return items
      .map(({ pk, sk, alertDate, expiresAt, sentAt, ...rest }) => ({ ...rest, date: alertDate }) as unknown as AlertRecord)
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
