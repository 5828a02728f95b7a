import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { documentClient } from '../../lambdas/adapters/aws/clients';
import { createTables } from '../../lambdas/local/dynamodb-emulator';
import { useDynalite } from '../support/dynalite';
import { injectHttpFaults, operation, strike } from '../support/http-faults';

/**
 * The injector itself: faults strike below the SDK's retry middleware, and the
 * "applied" faults really apply the call. Everything else that claims to
 * survive AWS's failure modes rests on this.
 */

const emulator = useDynalite();

async function table() {
  const client = emulator().client();
  const name = `faults-${Math.random().toString(36).slice(2)}`;
  await createTables(client, { runs: name, clusters: `${name}-c` });
  return { client, doc: documentClient(client), name };
}

function conditionalPut(tableName: string) {
  return new PutCommand({ TableName: tableName, Item: { pk: 'k', sk: 's', n: 1 }, ConditionExpression: 'attribute_not_exists(pk)' });
}

describe('HTTP fault injection under the real SDK', () => {
  it('a throttle before the call is retried by the SDK and the call succeeds once', async () => {
    const { client, doc, name } = await table();
    const faults = injectHttpFaults(client, strike(operation('PutItem'), 'throttle'));
    await doc.send(conditionalPut(name));
    expect(faults.faults.map((f) => f.fault)).toEqual(['throttle']);
    expect(faults.calls.filter((c) => c.operation === 'PutItem')).toHaveLength(2);
  });

  it.each(['applied-then-5xx', 'applied-answer-lost'] as const)(
    '%s applies the write, and the SDK retry of a conditional write then fails its condition',
    async (fault) => {
      const { client, doc, name } = await table();
      injectHttpFaults(client, strike(operation('PutItem'), fault));
      await expect(doc.send(conditionalPut(name))).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
      const item = await doc.send(new GetCommand({ TableName: name, Key: { pk: 'k', sk: 's' } }));
      expect(item.Item?.n).toBe(1);
    },
  );

  it('a persistent 5xx exhausts the SDK retries without applying anything', async () => {
    const { client, doc, name } = await table();
    const faults = injectHttpFaults(client, strike(operation('PutItem'), '5xx', 10));
    await expect(doc.send(conditionalPut(name))).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    expect(faults.faults).toHaveLength(3);
    const item = await doc.send(new GetCommand({ TableName: name, Key: { pk: 'k', sk: 's' } }));
    expect(item.Item).toBeUndefined();
  });
});
