import { randomUUID } from 'node:crypto';
import { parseSubmissionName } from '../../ports/submitter';
import { RUN_HEADER } from './datapipeline-simulator';
import { type Operation, RestReply, ServiceError } from './json-rpc-server';
import { type PendingRun, SimulatedRuns, type SimulatedRunsDeps } from './simulated-runs';

export interface LambdaSnapshot {
  readonly pending: readonly PendingRun[];
}

/** The function name of a name or ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]`). */
function functionName(value: string): string {
  const m = /:function:([^:]+)/.exec(value);
  return m ? (m[1] as string) : value;
}

/**
 * A simulated AWS Lambda for asynchronous invocations: the functions the
 * config names exist; an Invoke with `X-Amz-Invocation-Type: Event` answers
 * 202 with a request id and "runs" the job. Like AWS, it keeps nothing that
 * could be listed afterwards. The local runtime tells it which run an
 * invocation is for in a header (in AWS the function writes its own marker).
 */
export class LambdaSimulator {
  private readonly functions = new Set<string>();
  private readonly runs: SimulatedRuns;

  constructor(deps: SimulatedRunsDeps) {
    this.runs = new SimulatedRuns('lambda', deps);
    for (const job of deps.dag.jobs.values()) if (job.target.type === 'lambda') this.functions.add(functionName(job.target.function));
  }

  operations(): Record<string, Operation> {
    return {
      'POST /2015-03-31/functions/{FunctionName}/invocations': (input, headers) => {
        const name = functionName(String(input.FunctionName ?? ''));
        if (!this.functions.has(name)) throw new ServiceError('ResourceNotFoundException', `Function not found: ${name}`, 404);
        if (headers['x-amz-invocation-type'] !== 'Event')
          throw new ServiceError('InvalidParameterValueException', 'the simulator serves asynchronous invocations (Event) only');
        const run = parseSubmissionName(String(headers[RUN_HEADER] ?? ''));
        if (!run)
          throw new ServiceError(
            'InvalidRequestContentException',
            `the simulator needs the ${RUN_HEADER} header to know which run this is`,
          );
        const requestId = randomUUID();
        this.runs.start(run, requestId);
        return new RestReply(202, undefined, { 'x-amzn-requestid': requestId });
      },
    };
  }

  snapshot(): LambdaSnapshot {
    return { pending: this.runs.snapshot() };
  }

  restore(snapshot: LambdaSnapshot | undefined): void {
    this.runs.restore(snapshot?.pending);
  }
}
