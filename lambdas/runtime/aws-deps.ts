import { loadOnce } from '../adapters/load-once';
import type { Dag } from '../domain/config/dag';
import type { EngineDeps } from '../engine/deps';
import type { BackfillStore } from '../ports/backfill-store';
import type { ClusterRegistry } from '../ports/cluster-registry';
import type { Log } from '../ports/log';
import type { MarkerBucket } from '../ports/marker-bucket';
import type { ClientSettings } from './client-settings';
import { type AwsResources, awsEngineParts } from './engine-deps';

/**
 * What operator commands (CLI, web UI) work with: the engine, the registry,
 * backfills and the bucket. Not a Lambda's: each function builds its own
 * dependencies (scheduler-deps.ts, sweeper-deps.ts, completion-deps.ts,
 * fleet-deps.ts), so its bundle holds only the clients it uses.
 */
export interface OpsContext {
  readonly deps: EngineDeps;
  readonly registry: ClusterRegistry;
  readonly backfills: BackfillStore;
  readonly bucket: MarkerBucket;
}

export function awsOpsContext(
  dag: Dag,
  resources: AwsResources & { readonly bucket: string },
  log: Log,
  settings: ClientSettings = {},
): OpsContext {
  const parts = awsEngineParts(dag, resources, log, settings);
  return {
    deps: parts.engine,
    registry: parts.registry,
    backfills: parts.backfills,
    bucket: lazyMarkerBucket(
      resources.bucket,
      loadOnce(async () => (await import('./s3-markers.js')).s3Markers(settings).bucket(resources.bucket)),
    ),
  };
}

/**
 * The bucket with its S3 client loaded on first use: most commands (`rsched status`, `history`)
 * never touch S3, and loading its client would be a good part of their start.
 */
function lazyMarkerBucket(bucket: string, load: () => Promise<MarkerBucket>): MarkerBucket {
  return {
    bucket,
    read: async (name, key, versionId) => (await load()).read(name, key, versionId),
    list: async (suffixes, prefix) => (await load()).list(suffixes, prefix),
    write: async (key, body) => (await load()).write(key, body),
  };
}
