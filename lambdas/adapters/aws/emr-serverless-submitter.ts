import {
  type EMRServerlessClient,
  paginateListApplications,
  paginateListJobRuns,
  StartJobRunCommand,
} from '@aws-sdk/client-emr-serverless';
import type { RunDate } from '../../domain/run-date';
import {
  type SubmissionRef,
  SubmitError,
  type SubmitRequest,
  type SubmitResult,
  type Submitter,
  submissionName,
} from '../../ports/submitter';
import { beforeSend, judgeSendError } from './send-once';
import { shortHash } from './short-hash';

/**
 * Starts EMR Serverless job runs with an idempotency token derived from the
 * run's attempt.
 *
 * StartJobRun, "Amazon EMR Serverless API Reference"
 * (https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_StartJobRun.html):
 * `clientToken` is "the client idempotency token of the job run to start"
 * (1–64 characters, `[A-Za-z0-9._-]+`); a retried call with the same token
 * starts no second run. The reference does not say for how long AWS honours a
 * token, so nothing here relies on it beyond the SDK's own retries (seconds):
 * every later resend is preceded by findSubmission, which looks the run up by
 * its name (`rsched:<job>:<date>:<attempt>`, ListJobRuns) — and the resend
 * carries the same token again (docs/targets.md, "emr-serverless").
 *
 * An application may be configured by id or by name; names are resolved
 * through the paginated ListApplications, cached for `cacheTtlMs` and listed
 * again once on a miss (applications created since).
 */

/** Refusals that trying again cannot fix. */
const PERMANENT = new Set(['ValidationException', 'ResourceNotFoundException', 'AccessDeniedException']);
/** How much earlier than the claim a job run may be stamped and still be looked at (clock skew, second resolution). */
export const CREATED_SKEW_MS = 5 * 60_000;

/** The idempotency token of an attempt: 64 hex digits of SHA-256 over the application and the submission name. */
export function jobRunClientToken(applicationId: string, job: string, date: RunDate, attempt: number): string {
  return shortHash(`${applicationId}/${submissionName(job, date, attempt)}`, 64);
}

interface Application {
  readonly id: string;
  readonly name?: string;
  readonly state?: string;
}

export class EmrServerlessSubmitter implements Submitter {
  private cache: { at: number; apps: Application[] } | undefined;

  constructor(
    private readonly client: EMRServerlessClient,
    private readonly options: { readonly cacheTtlMs?: number; readonly now?: () => number } = {},
  ) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async listApplications(): Promise<Application[]> {
    const apps: Application[] = [];
    for await (const page of paginateListApplications({ client: this.client }, {})) {
      for (const a of page.applications ?? []) if (a.id) apps.push({ id: a.id, name: a.name, state: a.state });
    }
    this.cache = { at: this.now, apps };
    return apps;
  }

  private static match(apps: readonly Application[], application: string): Application[] {
    const byId = apps.filter((a) => a.id === application);
    if (byId.length > 0) return byId;
    return apps.filter((a) => a.name === application && a.state !== 'TERMINATED');
  }

  /** The application id for an id or a name. */
  async resolve(application: string): Promise<string> {
    const fresh = this.cache && this.now - this.cache.at < (this.options.cacheTtlMs ?? 10 * 60_000);
    let found = fresh && this.cache ? EmrServerlessSubmitter.match(this.cache.apps, application) : [];
    if (found.length === 0) found = EmrServerlessSubmitter.match(await this.listApplications(), application);
    if (found.length === 0)
      throw new SubmitError(`no EMR Serverless application with id or name "${application}" in this account and region`, false);
    if (found.length > 1)
      throw new SubmitError(
        `${found.length} EMR Serverless applications are named "${application}" (${found.map((a) => a.id).join(', ')}); use the id`,
        false,
      );
    return (found[0] as Application).id;
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const target = request.target;
    if (target.type !== 'emr-serverless') throw new SubmitError(`EmrServerlessSubmitter got a ${target.type} target`, false);
    const applicationId = await beforeSend(`ListApplications for "${target.application}"`, PERMANENT, () =>
      this.resolve(target.application),
    );
    let jobRunId: string | undefined;
    try {
      const out = await this.client.send(
        new StartJobRunCommand({
          applicationId,
          clientToken: jobRunClientToken(applicationId, request.job, request.date, request.attempt),
          executionRoleArn: target.executionRole,
          name: submissionName(request.job, request.date, request.attempt),
          jobDriver: {
            sparkSubmit: {
              entryPoint: target.entryPoint,
              entryPointArguments: [...target.arguments],
              ...(target.sparkSubmitParameters !== undefined ? { sparkSubmitParameters: target.sparkSubmitParameters } : {}),
            },
          },
        }),
      );
      jobRunId = out.jobRunId;
    } catch (err) {
      const { retryable, maybeApplied } = judgeSendError(err, PERMANENT);
      throw new SubmitError(`StartJobRun on ${applicationId}: ${(err as Error).name}: ${(err as Error).message}`, retryable, {
        cause: err,
        maybeApplied,
      });
    }
    if (!jobRunId) throw new SubmitError('StartJobRun returned no job run id', true, { maybeApplied: true });
    return { submissionId: jobRunId };
  }

  /**
   * The job run of this attempt, found by its name among the application's
   * runs created since the claim (less CREATED_SKEW_MS), every page of
   * ListJobRuns. Undefined when there is none. A failing lookup throws.
   */
  async findSubmission(ref: SubmissionRef): Promise<SubmitResult | undefined | 'unknown'> {
    // Without the rendered target (it could not be rendered again) there is nothing to look in: never a guess.
    if (ref.target?.type !== 'emr-serverless') return 'unknown';
    const applicationId = await this.resolve(ref.target.application);
    const wanted = submissionName(ref.job, ref.date, ref.attempt);
    const since = ref.since === undefined ? Number.NaN : Date.parse(ref.since);
    const filter = Number.isNaN(since) ? {} : { createdAtAfter: new Date(since - CREATED_SKEW_MS) };
    for await (const page of paginateListJobRuns({ client: this.client }, { applicationId, ...filter })) {
      const run = page.jobRuns?.find((r) => r.name === wanted);
      if (run?.id) return { submissionId: run.id };
    }
    return undefined;
  }
}
