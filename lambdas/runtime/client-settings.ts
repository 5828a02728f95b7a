import type { ActivatePipelineCommand, DataPipelineClient } from '@aws-sdk/client-data-pipeline';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EMRClient } from '@aws-sdk/client-emr';
import type { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SubmitRequest } from '../ports/submitter';

/**
 * Client settings for every AWS client the engine makes: endpoints differ
 * only in local mode. Type imports only: a function's bundle loads a client
 * when it builds one, never because this file names it.
 */
export interface ClientSettings {
  readonly region?: string;
  /** Per-service endpoint overrides (the embedded emulators in `rsched dev`). */
  readonly endpoints?: Partial<Record<Service, string>>;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Per-service request handlers replacing HTTP (the simulator's in-process transport). */
  readonly requestHandlers?: Partial<Record<Service, unknown>>;
  /**
   * Per-service signers taking SigV4's place (the simulator's in-process
   * transport, whose emulators read the Authorization header but never check
   * the signature).
   */
  readonly signers?: Partial<Record<Service, unknown>>;
  /** Sees each ActivatePipeline command (the local runtime tags it with its run). */
  readonly onDataPipelineCommand?: (command: ActivatePipelineCommand, request: SubmitRequest) => void;
  /** Sees each Lambda Invoke command (the local runtime tags it with its run). */
  readonly onLambdaCommand?: (command: InvokeCommand, request: SubmitRequest) => void;
  /**
   * Hook for every client made (the local runtime tags submit calls with their
   * run, and counts requests). Clients are made when first needed, so the hook
   * runs then, always before the client's first request.
   */
  readonly instrument?: (client: InstrumentableClient, service: Service) => void;
}

export type Service = 'dynamodb' | 's3' | 'sns' | 'emr' | 'datapipeline' | 'emrserverless' | 'glue' | 'sfn' | 'lambda';

export type InstrumentableClient =
  | DynamoDBClient
  | S3Client
  | SNSClient
  | EMRClient
  | DataPipelineClient
  | EMRServerlessClient
  | GlueClient
  | SFNClient
  | LambdaClient;

/** The constructor settings of one service's client: region, credentials, endpoint, request handler, signer. */
export function clientConfig(settings: ClientSettings, service: Service) {
  const endpoint = settings.endpoints?.[service];
  const requestHandler = settings.requestHandlers?.[service];
  const signer = settings.signers?.[service];
  return {
    ...(requestHandler ? { requestHandler: requestHandler as never } : {}),
    ...(signer ? { httpAuthSchemes: [sigv4Scheme(signer)] as never } : {}),
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

/** Hands a new client to the settings' hook, then returns it. */
export function instrumented<C extends InstrumentableClient>(client: C, settings: ClientSettings, service: Service): C {
  settings.instrument?.(client, service);
  return client;
}

/** The SigV4 auth scheme with another signer: the identity (credentials) is resolved as usual. */
function sigv4Scheme(signer: unknown) {
  return {
    schemeId: 'aws.auth#sigv4',
    identityProvider: (config: { getIdentityProvider(id: string): unknown }) => config.getIdentityProvider('aws.auth#sigv4'),
    signer,
  };
}
