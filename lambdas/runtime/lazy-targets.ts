import { RoutingSubmitter } from '../adapters/aws/routing-submitter';
import { loadOnce } from '../adapters/load-once';
import type { CompletionService } from '../domain/completion/terminal-states';
import { RunStatusReaders } from '../ports/run-status';
import type { RenderedTarget, Submitter } from '../ports/submitter';
import type { ClientSettings } from './client-settings';
import { lazyRunStatusReader, lazySubmitter } from './lazy-ports';
import type { TargetBuilder, TargetParts } from './targets/parts';

/**
 * Where each target type's submitter and status reader live. The scheduler
 * and sweeper may submit to any type, but one event rarely needs more than
 * one or two: each module is a dynamic import, its own chunk in the Lambda
 * bundle, loaded the first time a run of that type is submitted or polled
 * (the initial load stays DynamoDB-only). A new target type is one module and
 * one line here.
 */
const TARGET_MODULES: Record<RenderedTarget['type'], () => Promise<{ build: TargetBuilder }>> = {
  datapipeline: () => import('./targets/datapipeline.js'),
  'emr-step': () => import('./targets/emr-step.js'),
  'emr-serverless': () => import('./targets/emr-serverless.js'),
  glue: () => import('./targets/glue.js'),
  stepfunctions: () => import('./targets/stepfunctions.js'),
  lambda: () => import('./targets/lambda.js'),
};

/** The target types whose module has a run status reader (docs/completion.md); the others are not polled. */
const POLLED_TARGETS: readonly CompletionService[] = ['emr-step', 'glue', 'emr-serverless', 'stepfunctions'];

export interface LazyTargets {
  readonly submitter: Submitter;
  /** The run status readers of the services that can be polled (docs/completion.md). */
  readonly status: RunStatusReaders;
}

/** Every target type's submitter and status reader, each built on first use with these client settings. */
export function lazyTargets(settings: ClientSettings): LazyTargets {
  const parts = new Map<string, () => Promise<TargetParts>>();
  for (const [type, load] of Object.entries(TARGET_MODULES))
    parts.set(
      type,
      loadOnce(async () => (await load()).build(settings)),
    );
  const partsOf = (type: string) => parts.get(type) as () => Promise<TargetParts>;
  const submitters = Object.fromEntries(
    [...parts.keys()].map((type) => [type, lazySubmitter(async () => (await partsOf(type)()).submitter)]),
  );
  const readers = POLLED_TARGETS.map((service) =>
    lazyRunStatusReader(service, async () => {
      const reader = (await partsOf(service)()).status;
      if (!reader) throw new Error(`runtime/targets/${service}.ts builds no run status reader, yet ${service} is in POLLED_TARGETS`);
      return reader;
    }),
  );
  return { submitter: new RoutingSubmitter(submitters), status: new RunStatusReaders(readers) };
}
