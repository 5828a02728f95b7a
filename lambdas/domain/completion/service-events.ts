import { type CompletionOutcome, type CompletionService, outcomeOf } from './terminal-states';

/**
 * The four EventBridge state-change events that announce a run's end, parsed
 * into one shape (docs/completion.md). Pure: the shapes come from AWS's
 * documented examples, kept as fixtures in test/unit/completion/service-events.test.ts:
 *
 * - "EMR Step Status Change" (source aws.emr): detail.stepId, name, clusterId, state, message.
 *   Amazon EMR Management Guide, "Monitoring Amazon EMR events with CloudWatch",
 *   https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-manage-cloudwatch-events.html
 * - "EMR Serverless Job Run State Change" (source aws.emr-serverless): detail.jobRunId,
 *   applicationId, arn, state, previousState, createdAt, updatedAt (stateDetails on failure).
 *   EMR Serverless User Guide, "Automating EMR Serverless with Amazon EventBridge",
 *   https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/using-eventbridge.html
 * - "Glue Job State Change" (source aws.glue): detail.jobName, jobRunId, state, severity, message.
 *   AWS Glue Developer Guide, "Automating AWS Glue with EventBridge",
 *   https://docs.aws.amazon.com/glue/latest/dg/automating-awsglue-with-cloudwatch-events.html
 * - "Step Functions Execution Status Change" (source aws.states): detail.executionArn,
 *   stateMachineArn, name, status, startDate/stopDate (epoch ms), error, cause.
 *   Step Functions Developer Guide, "Automating Step Functions event delivery with EventBridge",
 *   https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html
 */

export const SERVICE_EVENTS: Readonly<Record<CompletionService, { readonly source: string; readonly detailType: string }>> = {
  'emr-step': { source: 'aws.emr', detailType: 'EMR Step Status Change' },
  'emr-serverless': { source: 'aws.emr-serverless', detailType: 'EMR Serverless Job Run State Change' },
  glue: { source: 'aws.glue', detailType: 'Glue Job State Change' },
  stepfunctions: { source: 'aws.states', detailType: 'Step Functions Execution Status Change' },
};

/** What a state-change event says about one submission. */
export interface ServiceStateChange {
  readonly kind: 'state-change';
  readonly service: CompletionService;
  /** What the submit call returned and the run recorded: step id, job run id, execution ARN. */
  readonly submissionId: string;
  /** The service's own state name, e.g. COMPLETED, SUCCESS, TIMEOUT, ABORTED. */
  readonly state: string;
  /** Set only for terminal states: only they produce a marker. */
  readonly outcome?: CompletionOutcome;
  /** When the service changed state (the event's `time`). */
  readonly at: string;
  /** EMR steps: the step name (submissionName(job, date, attempt) for ours) and the cluster. */
  readonly name?: string;
  readonly clusterId?: string;
  /** The service's words for why it ended, if any (error, cause, message). */
  readonly error?: string;
  /** How long the service says it ran, in seconds, when the event says so. */
  readonly durationSeconds?: number;
}

/** An event that is none of the four, or one whose fields are not what AWS documents. */
export interface UnrecognisedEvent {
  readonly kind: 'unrecognised';
  readonly why: string;
}

const MAX_ERROR_CHARS = 500;

interface Envelope {
  readonly source?: unknown;
  readonly 'detail-type'?: unknown;
  readonly time?: unknown;
  readonly detail?: unknown;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function clip(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.slice(0, MAX_ERROR_CHARS);
}

/** Seconds between two instants given as ISO strings or epoch milliseconds; undefined unless both are valid. */
function secondsBetween(start: unknown, stop: unknown): number | undefined {
  const ms = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : Number.NaN);
  const d = (ms(stop) - ms(start)) / 1000;
  return Number.isFinite(d) && d >= 0 ? Math.round(d) : undefined;
}

function serviceOf(source: unknown, detailType: unknown): CompletionService | undefined {
  for (const [service, e] of Object.entries(SERVICE_EVENTS) as [CompletionService, (typeof SERVICE_EVENTS)[CompletionService]][]) {
    if (e.source === source && e.detailType === detailType) return service;
  }
  return undefined;
}

/** Parses one EventBridge event (as EventBridge passes it to a Lambda target). Never throws. */
export function parseServiceEvent(event: unknown): ServiceStateChange | UnrecognisedEvent {
  const e = (event ?? {}) as Envelope;
  const service = serviceOf(e.source, e['detail-type']);
  if (!service)
    return { kind: 'unrecognised', why: `not a completion event (source ${String(e.source)}, detail-type ${String(e['detail-type'])})` };
  const d = (e.detail && typeof e.detail === 'object' ? e.detail : {}) as Record<string, unknown>;
  const at = text(e.time) ?? '';
  if (Number.isNaN(Date.parse(at))) return { kind: 'unrecognised', why: `${SERVICE_EVENTS[service].detailType}: "time" is not an instant` };
  const missing = (field: string): UnrecognisedEvent => ({
    kind: 'unrecognised',
    why: `${SERVICE_EVENTS[service].detailType}: detail.${field} is missing or not a string`,
  });
  const build = (submissionId: string, state: string, extra: Partial<ServiceStateChange>): ServiceStateChange => {
    const outcome = outcomeOf(service, state);
    return { kind: 'state-change', service, submissionId, state, at, ...(outcome ? { outcome } : {}), ...extra };
  };
  switch (service) {
    case 'emr-step': {
      const stepId = text(d.stepId);
      const state = text(d.state);
      if (!stepId) return missing('stepId');
      if (!state) return missing('state');
      const clusterId = text(d.clusterId);
      return build(stepId, state, {
        name: text(d.name) ?? '',
        ...(clusterId ? { clusterId } : {}),
        ...(outcomeOf(service, state) === 'failed' && text(d.message) ? { error: clip(text(d.message)) } : {}),
      });
    }
    case 'emr-serverless': {
      const jobRunId = text(d.jobRunId);
      const state = text(d.state);
      if (!jobRunId) return missing('jobRunId');
      if (!state) return missing('state');
      const duration = outcomeOf(service, state) ? secondsBetween(d.createdAt, d.updatedAt) : undefined;
      return build(jobRunId, state, {
        ...(outcomeOf(service, state) === 'failed' && text(d.stateDetails) ? { error: clip(text(d.stateDetails)) } : {}),
        ...(duration !== undefined ? { durationSeconds: duration } : {}),
      });
    }
    case 'glue': {
      const jobRunId = text(d.jobRunId);
      const state = text(d.state);
      if (!jobRunId) return missing('jobRunId');
      if (!state) return missing('state');
      return build(jobRunId, state, {
        name: text(d.jobName) ?? '',
        ...(outcomeOf(service, state) === 'failed' && text(d.message) ? { error: clip(text(d.message)) } : {}),
      });
    }
    case 'stepfunctions': {
      const executionArn = text(d.executionArn);
      const status = text(d.status);
      if (!executionArn) return missing('executionArn');
      if (!status) return missing('status');
      const error = [text(d.error), text(d.cause)].filter(Boolean).join(': ');
      const duration = outcomeOf(service, status) ? secondsBetween(d.startDate, d.stopDate) : undefined;
      return build(executionArn, status, {
        name: text(d.name) ?? '',
        ...(outcomeOf(service, status) === 'failed' && error ? { error: clip(error) } : {}),
        ...(duration !== undefined ? { durationSeconds: duration } : {}),
      });
    }
  }
}
