import { AddJobFlowStepsCommand, type EMRClient, paginateListSteps } from '@aws-sdk/client-emr';
import {
  type SubmissionRef,
  SubmitError,
  type SubmitRequest,
  type SubmitResult,
  type Submitter,
  submissionName,
} from '../../ports/submitter';

const PERMANENT = new Set(['ValidationException', 'AccessDeniedException']);

/**
 * Adds an EMR step to the live cluster of the run's pool. The step is named
 * after the run's attempt (`rsched:<job>:<date>:<attempt>`), which is how a
 * step-status event finds its run and how a lost submission is found again.
 */
export class EmrStepSubmitter implements Submitter {
  constructor(private readonly client: EMRClient) {}

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const target = request.target;
    if (target.type !== 'emr-step') throw new SubmitError(`EmrStepSubmitter got a ${target.type} target`, false);
    if (!request.cluster) throw new SubmitError('no cluster given for an emr-step run', false);
    try {
      const out = await this.client.send(
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
      const stepId = out.StepIds?.[0];
      if (!stepId) throw new SubmitError('AddJobFlowSteps returned no step id', true);
      return { submissionId: stepId, clusterId: request.cluster.id };
    } catch (err) {
      if (err instanceof SubmitError) throw err;
      const name = (err as Error).name;
      throw new SubmitError(`AddJobFlowSteps on ${request.cluster.id}: ${name}: ${(err as Error).message}`, !PERMANENT.has(name), {
        cause: err,
      });
    }
  }

  async findSubmission(ref: SubmissionRef): Promise<SubmitResult | undefined> {
    if (!ref.clusterId) return undefined;
    const wanted = submissionName(ref.job, ref.date, ref.attempt);
    for await (const page of paginateListSteps({ client: this.client }, { ClusterId: ref.clusterId })) {
      const step = page.Steps?.find((s) => s.Name === wanted);
      if (step?.Id) return { submissionId: step.Id, clusterId: ref.clusterId };
    }
    return undefined;
  }
}
