import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../adapters/aws/clients';
import { type ClientSettings, clientConfig, instrumented } from './client-settings';

/** The DynamoDB client and the document client over it: every function's first need, built at init. */
export function dynamoDocuments(settings: ClientSettings): DynamoDBDocumentClient {
  return documentClient(instrumented(new DynamoDBClient(clientConfig(settings, 'dynamodb')), settings, 'dynamodb'));
}
