import { AddJobFlowStepsCommand, type EMRClient, paginateListSteps } from '@aws-sdk/client-emr';
import {
  type SubmissionRef,
  SubmitError,
  type SubmitRequest,
  type SubmitResult,
  type Submitter,
  submissionName,
} from '../../ports/submitter';
import { judgeSendError } from './send-once';

/** Refusals that trying again cannot fix (a terminated cluster answers ValidationException). */
const PERMANENT = new Set(['ValidationException', 'AccessDeniedException', 'InvalidRequestException']);

/**
 * Adds an EMR step to the live cluster of the run's pool. The step is named
 * after the run's attempt (`rsched:<job>:<date>:<attempt>`), which is how a
 * step-status event finds its run and how a lost submission is found again.
 *
 * AddJobFlowSteps takes no idempotency token (its request is only JobFlowId,
 * Steps and ExecutionRoleArn: https://docs.aws.amazon.com/emr/latest/APIReference/API_AddJobFlowSteps.html),
 * so every retry of an applied call adds one more step. It is sent once, on a
 * client built with SDK retries off (`SEND_ONCE`); a failure that may have
 * been applied says so (`maybeApplied`), and the engine looks the step up by
 * its name (findSubmission) before any resend. Exactly one step per attempt
 * follows from: the claim in DynamoDB (one sender), send once, look up by name.
 */
export class EmrStepSubmitter implements Submitter {
  private readonly readClient: EMRClient;

  /**
   * @param sendClient sends AddJobFlowSteps; build it with `SEND_ONCE` (maxAttempts 1).
   * @param options.readClient for ListSteps, with the SDK's retries (reads are safe to repeat); defaults to sendClient.
   */
  constructor(
    private readonly sendClient: EMRClient,
    options: { readonly readClient?: EMRClient } = {},
  ) {
    this.readClient = options.readClient ?? sendClient;
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const target = request.target;
    if (target.type !== 'emr-step') throw new SubmitError(`EmrStepSubmitter got a ${target.type} target`, false);
    if (!request.cluster) throw new SubmitError('no cluster given for an emr-step run', false);
    let stepIds: string[] | undefined;
    try {
      const out = await this.sendClient.send(
        new AddJobFlowStepsCommand({
          JobFlowId: request.cluster.id,
          Steps: [
            {
              Name: submissionName(request.job, request.date, request.attempt),
              ActionOnFailure: target.actionOnFailure as never,
              HadoopJarStep: { Jar: target.jar, Args: [...target.args], ...(target.mainClass ? { MainClass: target.mainClass } : {}) },
            },
          ],
        }),
      );
      stepIds = out.StepIds;
    } catch (err) {
      const { retryable, maybeApplied } = judgeSendError(err, PERMANENT);
      throw new SubmitError(`AddJobFlowSteps on ${request.cluster.id}: ${(err as Error).name}: ${(err as Error).message}`, retryable, {
        cause: err,
        maybeApplied,
      });
    }
    const stepId = stepIds?.[0];
    // EMR answered 200: the step may well exist; only the lookup by name can say.
    if (!stepId) throw new SubmitError('AddJobFlowSteps returned no step id', true, { maybeApplied: true });
    return { submissionId: stepId, clusterId: request.cluster.id };
  }

  /**
   * The step of this attempt on the run's cluster, found by its name through
   * every page of ListSteps (which lists the cluster's steps, most recent
   * first). Undefined when no step has the name: the attempt was not
   * submitted to that cluster. A failing ListSteps throws (after the SDK's
   * retries): the lookup is tried again later, never taken as "not applied".
   */
  async findSubmission(ref: SubmissionRef): Promise<SubmitResult | undefined> {
    if (!ref.clusterId) return undefined;
    const wanted = submissionName(ref.job, ref.date, ref.attempt);
    for await (const page of paginateListSteps({ client: this.readClient }, { ClusterId: ref.clusterId })) {
      const step = page.Steps?.find((s) => s.Name === wanted);
      if (step?.Id) return { submissionId: step.Id, clusterId: ref.clusterId };
    }
    return undefined;
  }
}
