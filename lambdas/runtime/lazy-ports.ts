import type { CompletionService } from '../domain/completion/terminal-states';
import type { AlertSink } from '../ports/alert-sink';
import type { MarkerSink } from '../ports/marker-bucket';
import type { MarkerReader } from '../ports/marker-reader';
import type { RunStatusReader } from '../ports/run-status';
import type { Submitter } from '../ports/submitter';

/**
 * Ports whose adapter (and its AWS client) is loaded on first use. A Lambda
 * bundle keeps each behind a dynamic `import()`, a chunk of its own: an event
 * that never alerts never loads SNS, one that submits only to Glue loads only
 * Glue's client. `load` is a `loadOnce`, so the adapter is built once.
 */

export function lazySubmitter(load: () => Promise<Submitter>): Submitter {
  return {
    submit: async (request) => (await load()).submit(request),
    findSubmission: async (ref) => (await load()).findSubmission(ref),
  };
}

export function lazyAlertSink(load: () => Promise<AlertSink>): AlertSink {
  return { publish: async (alert) => (await load()).publish(alert) };
}

export function lazyMarkerReader(load: () => Promise<MarkerReader>): MarkerReader {
  return { read: async (bucket, key, versionId) => (await load()).read(bucket, key, versionId) };
}

export function lazyMarkerSink(load: () => Promise<MarkerSink>): MarkerSink {
  return { write: async (key, body) => (await load()).write(key, body) };
}

export function lazyRunStatusReader(service: CompletionService, load: () => Promise<RunStatusReader>): RunStatusReader {
  return { service, status: async (query) => (await load()).status(query) };
}
