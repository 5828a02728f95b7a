import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Backfill, BackfillStore } from '../../ports/backfill-store';

const PK = 'BACKFILL';

function strip(item: Record<string, unknown>): Backfill {
  const { pk, sk, ...rest } = item;
  return rest as unknown as Backfill;
}

/** Backfill records in the runs table (pk BACKFILL, sk <id>), written with an optimistic version check. */
export class DynamoBackfillStore implements BackfillStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createBackfill(backfill: Backfill): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: PK, sk: backfill.id, ...backfill },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getBackfill(id: string): Promise<Backfill | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: PK, sk: id }, ConsistentRead: true }));
    return out.Item ? strip(out.Item) : undefined;
  }

  async listBackfills(): Promise<Backfill[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': PK },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map(strip);
  }

  async saveBackfill(backfill: Backfill): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: PK, sk: backfill.id, ...backfill },
          ConditionExpression: '#v = :previous',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':previous': backfill.version - 1 },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
}
