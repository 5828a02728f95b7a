import type { ActivatePipelineCommand } from '@aws-sdk/client-data-pipeline';
import type { InvokeCommand } from '@aws-sdk/client-lambda';
import type { SubmitRequest } from '../ports/submitter';
import { submissionName } from '../ports/submitter';
import { RUN_HEADER } from './control-plane/datapipeline-simulator';

/**
 * Local-only instrumentation: the simulated Data Pipeline and Lambda must know
 * which run an ActivatePipeline or Invoke is for (in AWS, the pipeline or the
 * function itself writes the marker).
 * A per-command middleware puts the run in a header; the AWS submitter code
 * is otherwise unchanged.
 */
export function tagWithRun(command: ActivatePipelineCommand | InvokeCommand, request: SubmitRequest): void {
  const run = submissionName(request.job, request.date, request.attempt);
  // The same build-step middleware on either command; its stack's type differs only in the command's input and output.
  const stack = command.middlewareStack as ActivatePipelineCommand['middlewareStack'];
  stack.add(
    (next) => async (args) => {
      const http = args.request as { headers?: Record<string, string> };
      if (http.headers) http.headers[RUN_HEADER] = run;
      return next(args);
    },
    { step: 'build', name: 'rschedRunHeader' },
  );
}
