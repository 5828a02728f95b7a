import { DynamoRunStore } from '../adapters/aws/dynamodb-run-store';
import { S3MarkerBucket } from '../adapters/aws/s3-marker-bucket';
import type { CompletionHandlerDeps } from '../handlers/completion';
import { systemClock } from '../ports/clock';
import type { Log } from '../ports/log';
import { dynamoDocuments } from './dynamo-documents';
import { ENV, requireEnv } from './env';
import { lambdaInputs } from './lambda-inputs';
import { s3Client } from './s3-client';

/**
 * The completion Lambda's dependencies: it reads runs and writes markers,
 * nothing else (docs/completion.md) — DynamoDB and S3, both on every event.
 */
export function lambdaCompletionDeps(log: Log, env: NodeJS.ProcessEnv = process.env): CompletionHandlerDeps {
  const { dag, resources } = lambdaInputs(env);
  const settings = {};
  return {
    dag,
    store: new DynamoRunStore(dynamoDocuments(settings), { tableName: resources.runsTable, retentionDays: resources.retentionDays }),
    clock: systemClock,
    log,
    markers: new S3MarkerBucket(s3Client(settings), requireEnv(ENV.MARKER_BUCKET, env)),
  };
}
