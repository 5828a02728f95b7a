import type { EngineDeps } from '../engine/deps';
import type { Log } from '../ports/log';
import { awsEngineParts } from './engine-deps';
import { ENV, optionalIntEnv, requireEnv } from './env';
import { lambdaInputs } from './lambda-inputs';
import { s3Markers } from './s3-markers';

/** The scheduler Lambda's dependencies; it trusts marker events only from its bucket, through its topic. */
export function lambdaSchedulerDeps(log: Log, env: NodeJS.ProcessEnv = process.env): EngineDeps {
  const { dag, resources } = lambdaInputs(env);
  // Every marker event reads its object from the bucket (docs/threat-model.md): S3 is loaded at init, not on first use.
  // SNS (alerts) and each target's client still load on first use.
  const engine = awsEngineParts(dag, resources, log, {}, { s3: s3Markers({}) }).engine;
  return {
    ...engine,
    tuning: {
      ...engine.tuning,
      markerDaysBack: optionalIntEnv(ENV.MARKER_DAYS_BACK, engine.tuning.markerDaysBack, env),
      markerDaysAhead: optionalIntEnv(ENV.MARKER_DAYS_AHEAD, engine.tuning.markerDaysAhead, env),
    },
    trust: { bucket: requireEnv(ENV.MARKER_BUCKET, env), topicArn: requireEnv(ENV.MARKER_TOPIC_ARN, env) },
  };
}
