/**
 * Which service states end a run, and how (docs/completion.md, "State mapping").
 * One table for the four services whose end AWS announces, used by the event
 * parser and by the sweeper's status poll alike, so an event and a poll can
 * never disagree about what a state means.
 *
 * Sources (the valid values of each service's state field):
 * - EMR steps: "StepStatus" (Amazon EMR API Reference,
 *   https://docs.aws.amazon.com/emr/latest/APIReference/API_StepStatus.html):
 *   PENDING | CANCEL_PENDING | RUNNING | COMPLETED | CANCELLED | FAILED | INTERRUPTED.
 * - EMR Serverless: "Job run states" (EMR Serverless User Guide,
 *   https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/job-states.html):
 *   SUBMITTED, PENDING, SCHEDULED, RUNNING, SUCCESS, FAILED, CANCELLING, CANCELLED
 *   (QUEUED with job queuing).
 * - Glue: "Automating AWS Glue with EventBridge"
 *   (https://docs.aws.amazon.com/glue/latest/dg/automating-awsglue-with-cloudwatch-events.html):
 *   "Glue Job State Change" events "are generated for SUCCEEDED, FAILED, TIMEOUT, and STOPPED";
 *   GetJobRun's JobRunState adds ERROR and EXPIRED (ended) and STARTING, RUNNING, STOPPING, WAITING.
 * - Step Functions: "Step Functions Execution Status Change" status
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html):
 *   RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED (| PENDING_REDRIVE).
 */

export const COMPLETION_SERVICES = ['emr-step', 'emr-serverless', 'glue', 'stepfunctions'] as const;
/** A target type whose end AWS announces with an EventBridge event (and can be polled). */
export type CompletionService = (typeof COMPLETION_SERVICES)[number];

export type CompletionOutcome = 'done' | 'failed';

/** Terminal states per service; every other state is "still running" (or not ours to judge). */
export const TERMINAL_STATES: Readonly<Record<CompletionService, Readonly<Record<string, CompletionOutcome>>>> = {
  'emr-step': { COMPLETED: 'done', FAILED: 'failed', CANCELLED: 'failed', INTERRUPTED: 'failed' },
  'emr-serverless': { SUCCESS: 'done', FAILED: 'failed', CANCELLED: 'failed' },
  glue: { SUCCEEDED: 'done', FAILED: 'failed', TIMEOUT: 'failed', STOPPED: 'failed', ERROR: 'failed', EXPIRED: 'failed' },
  // PENDING_REDRIVE is not terminal: a FAILED/TIMED_OUT/ABORTED execution may be redriven (the run ends on the event before it).
  stepfunctions: { SUCCEEDED: 'done', FAILED: 'failed', TIMED_OUT: 'failed', ABORTED: 'failed' },
};

export function isCompletionService(type: string): type is CompletionService {
  return (COMPLETION_SERVICES as readonly string[]).includes(type);
}

/** `done` / `failed` for a terminal state; undefined while the run has not ended. */
export function outcomeOf(service: CompletionService, state: string): CompletionOutcome | undefined {
  return Object.hasOwn(TERMINAL_STATES[service], state) ? TERMINAL_STATES[service][state] : undefined;
}

/** The terminal state names of a service (the EventBridge rule filters on them). */
export function terminalStatesOf(service: CompletionService): string[] {
  return Object.keys(TERMINAL_STATES[service]);
}
