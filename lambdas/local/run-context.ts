import type { ActivatePipelineCommand } from '@aws-sdk/client-data-pipeline';
import type { SubmitRequest } from '../ports/submitter';
import { submissionName } from '../ports/submitter';
import { RUN_HEADER } from './control-plane/datapipeline-simulator';

/**
 * Local-only instrumentation: the simulated Data Pipeline must know which run
 * an ActivatePipeline is for (in AWS, the pipeline itself writes the marker).
 * A per-command middleware puts the run in a header; the AWS submitter code
 * is otherwise unchanged.
 */
export function tagWithRun(command: ActivatePipelineCommand, request: SubmitRequest): void {
  const run = submissionName(request.job, request.date, request.attempt);
  command.middlewareStack.add(
    (next) => async (args) => {
      const http = args.request as { headers?: Record<string, string> };
      if (http.headers) http.headers[RUN_HEADER] = run;
      return next(args);
    },
    { step: 'build', name: 'rschedRunHeader' },
  );
}
