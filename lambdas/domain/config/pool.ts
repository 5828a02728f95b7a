import type { Target } from './schema';

/**
 * The pool whose live cluster a target needs: emr-step always, datapipeline
 * optionally, the serverless targets never. Its own module (no zod): the
 * engine and the CLI reach it without loading the config schema.
 */
export function poolOf(target: Target): string | undefined {
  return target.type === 'emr-step' || target.type === 'datapipeline' ? target.pool : undefined;
}
