import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { documentClient } from '../../lambdas/adapters/aws/clients';
import { cacheDynaliteParsers, DYNALITE_PARSERS, dynaliteParser } from '../../lambdas/local/dynalite-parse-cache';
import { createTables } from '../../lambdas/local/dynamodb-emulator';
import { useDynalite } from '../support/dynalite';

/**
 * dynalite's expression parsers behind the parse cache (dynalite-parse-cache.ts):
 * every request must be validated and judged exactly as without it, on its own
 * values, whatever was parsed before it.
 */

const emulator = useDynalite();

interface Validations {
  validateExpressions(data: Record<string, unknown>): string | undefined;
}
const validations = require('dynalite/validations') as Validations;

type Request = Record<string, unknown>;

/** What dynalite's validation makes of a request: its error, or the parsed expressions it hands the action. */
function validate(request: Request, cached: boolean) {
  const data = structuredClone(request);
  const parsers = DYNALITE_PARSERS.map(dynaliteParser);
  const installed = parsers.map((p) => p.parse);
  if (!cached) for (const p of parsers) p.parse = p.uncached ?? p.parse;
  try {
    return {
      error: validations.validateExpressions(data),
      parsed: [data._updates, data._condition, data._keyCondition, data._filter, data._projection],
    };
  } finally {
    parsers.forEach((p, i) => {
      p.parse = installed[i] as typeof p.parse;
    });
  }
}

const S = (s: string) => ({ S: s });
const N = (n: number) => ({ N: String(n) });

/** Requests in the shapes the run store sends, with values that change from one to the next, and some that must fail. */
const REQUESTS: Request[] = [
  ...[1, 2, 3].map((i) => ({
    UpdateExpression: 'SET #s = :s, #a = if_not_exists(#a, :one), #h = list_append(if_not_exists(#h, :empty), :h) REMOVE #d',
    ConditionExpression: '(attribute_not_exists(#pk) OR #s IN (:w, :p)) AND (attribute_not_exists(#f) OR #f < :seq)',
    ExpressionAttributeNames: { '#s': 'state', '#a': 'attempt', '#h': 'history', '#d': 'dueAt', '#pk': 'pk', '#f': 'lastSeq' },
    ExpressionAttributeValues: {
      ':s': S(`STATE_${i}`),
      ':one': N(i),
      ':empty': { L: [] },
      ':h': { L: [{ M: { at: S(`2026-11-22T0${i}:00:00Z`) } }] },
      ':w': S('WAITING'),
      ':p': S(`P${i}`),
      ':seq': S(`0${i}`),
    },
  })),
  // The same names, another update: the condition below must still count #a and #b as used.
  {
    UpdateExpression: 'SET #a = :x',
    ConditionExpression: '#a = :y OR attribute_not_exists(#b)',
    ExpressionAttributeNames: { '#a': 'a', '#b': 'b' },
    ExpressionAttributeValues: { ':x': N(1), ':y': N(2) },
  },
  {
    UpdateExpression: 'SET #b = :x',
    ConditionExpression: '#a = :y OR attribute_not_exists(#b)',
    ExpressionAttributeNames: { '#a': 'a', '#b': 'b' },
    ExpressionAttributeValues: { ':x': N(3), ':y': N(4) },
  },
  // An unused value is an error, whether or not the expressions were parsed before.
  {
    UpdateExpression: 'SET #b = :x',
    ConditionExpression: '#a = :y OR attribute_not_exists(#b)',
    ExpressionAttributeNames: { '#a': 'a', '#b': 'b' },
    ExpressionAttributeValues: { ':x': N(3), ':y': N(4), ':z': N(5) },
  },
  // Another value type makes another parse: list_append of a number is an error.
  {
    UpdateExpression: 'SET #h = list_append(#h, :h)',
    ExpressionAttributeNames: { '#h': 'history' },
    ExpressionAttributeValues: { ':h': { L: [] } },
  },
  {
    UpdateExpression: 'SET #h = list_append(#h, :h)',
    ExpressionAttributeNames: { '#h': 'history' },
    ExpressionAttributeValues: { ':h': N(1) },
  },
  // BETWEEN reads its bounds: a valid range, then the same expression with the bounds reversed.
  {
    KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
    ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
    ExpressionAttributeValues: { ':pk': S('run#a'), ':from': S('2026-11-01'), ':to': S('2026-11-22') },
  },
  {
    KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
    ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
    ExpressionAttributeValues: { ':pk': S('run#a'), ':from': S('2026-11-22'), ':to': S('2026-11-01') },
  },
  { ProjectionExpression: '#a, #b.c[1]', ExpressionAttributeNames: { '#a': 'a', '#b': 'b' } },
  { ProjectionExpression: '#a, #b.c[1]', ExpressionAttributeNames: { '#a': 'x', '#b': 'y' } },
  { ConditionExpression: '#a = = :y', ExpressionAttributeNames: { '#a': 'a' }, ExpressionAttributeValues: { ':y': N(1) } },
  { ConditionExpression: 'size = :y', ExpressionAttributeValues: { ':y': N(1) } },
];

describe('dynalite behind the parse cache', () => {
  it('validates and parses every request as dynalite alone does, twice over (the second time from the cache)', () => {
    cacheDynaliteParsers();
    for (const round of [1, 2]) {
      for (const request of REQUESTS) {
        const cached = validate(request, true);
        const plain = validate(request, false);
        expect(cached, `round ${round}: ${JSON.stringify(request)}`).toStrictEqual(plain);
      }
    }
    // The cases above that must fail do fail (the comparison is not between two empty results).
    const errors = REQUESTS.map((r) => validate(r, true).error).filter(Boolean);
    expect(errors).toHaveLength(5);
  });

  it('judges a repeated conditional write on its own values', async () => {
    const client = emulator().client();
    await createTables(client, { runs: 'cache-runs', clusters: 'cache-clusters' });
    const doc = documentClient(client);
    await doc.send(new PutCommand({ TableName: 'cache-runs', Item: { pk: 'run#a', sk: '2026-11-22', state: 'A' } }));
    const move = (from: string, to: string) =>
      doc.send(
        new UpdateCommand({
          TableName: 'cache-runs',
          Key: { pk: 'run#a', sk: '2026-11-22' },
          UpdateExpression: 'SET #s = :to',
          ConditionExpression: '#s = :from',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':from': from, ':to': to },
          ReturnValues: 'ALL_NEW',
        }),
      );
    expect((await move('A', 'B')).Attributes?.state).toBe('B');
    expect((await move('B', 'C')).Attributes?.state).toBe('C');
    await expect(move('B', 'D')).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    client.destroy();
  });
});
