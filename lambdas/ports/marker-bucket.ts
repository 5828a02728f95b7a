import type { MarkerReader } from './marker-reader';

export interface ListedMarker {
  readonly key: string;
  readonly size: number;
  readonly lastModified: string;
}

/** The marker bucket as operators use it: list, read, write markers. */
export interface MarkerBucket extends MarkerReader {
  readonly bucket: string;
  /** Every object whose key ends with one of `suffixes`, under `prefix`. */
  list(suffixes: readonly string[], prefix?: string): Promise<ListedMarker[]>;
  write(key: string, body: string): Promise<void>;
}

/** Writes markers only: what the completion handler and the sweeper need of the bucket (docs/completion.md). */
export type MarkerSink = Pick<MarkerBucket, 'write'>;
