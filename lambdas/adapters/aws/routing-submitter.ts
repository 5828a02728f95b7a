import type { SubmissionRef, SubmitRequest, SubmitResult, Submitter } from '../../ports/submitter';
import { SubmitError } from '../../ports/submitter';

/** Sends each request to the submitter of its target type; new target kinds plug in here. */
export class RoutingSubmitter implements Submitter {
  constructor(private readonly byType: Readonly<Record<string, Submitter>>) {}

  private route(type: string): Submitter {
    const submitter = this.byType[type];
    if (!submitter) throw new SubmitError(`no submitter for target type "${type}"`, false);
    return submitter;
  }

  submit(request: SubmitRequest): Promise<SubmitResult> {
    return this.route(request.target.type).submit(request);
  }

  findSubmission(ref: SubmissionRef): Promise<SubmitResult | undefined | 'unknown'> {
    return this.route(ref.type).findSubmission(ref);
  }
}
