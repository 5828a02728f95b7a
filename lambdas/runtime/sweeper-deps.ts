import type { EngineDeps } from '../engine/deps';
import type { BackfillStore } from '../ports/backfill-store';
import type { Log } from '../ports/log';
import { awsEngineParts } from './engine-deps';
import { lambdaInputs } from './lambda-inputs';

/** The sweeper Lambda's dependencies: the engine and the backfill records it advances. */
export function lambdaSweeperDeps(log: Log, env: NodeJS.ProcessEnv = process.env): { deps: EngineDeps; backfills: BackfillStore } {
  const { dag, resources } = lambdaInputs(env);
  const parts = awsEngineParts(dag, resources, log);
  return { deps: parts.engine, backfills: parts.backfills };
}
