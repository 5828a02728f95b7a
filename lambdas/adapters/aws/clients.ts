import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The document client every DynamoDB adapter uses: plain JS values, undefined dropped. */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function dynamoClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient(config);
}

/** Counts requests by command name: the measure behind "requests per completion event". */
const READ_ONLY_COMMANDS = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'TransactGetItemsCommand',
  'QueryCommand',
  'ScanCommand',
  'DescribeTableCommand',
  'ListTablesCommand',
]);

export class RequestCounter {
  readonly counts = new Map<string, number>();

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  /** Requests that may have changed a table: every request but the read-only ones. */
  get writes(): number {
    let sum = 0;
    for (const [name, n] of this.counts) if (!READ_ONLY_COMMANDS.has(name)) sum += n;
    return sum;
  }

  reset(): void {
    this.counts.clear();
  }

  /** Adds counting middleware to any SDK v3 client (document clients share their base client's stack). */
  attach(client: { middlewareStack: { add(middleware: never, options: never): void } }): this {
    const middleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const name = String(context.commandName ?? 'unknown');
      this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
      return next(args);
    };
    client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'rschedRequestCounter' } as never);
    return this;
  }
}
