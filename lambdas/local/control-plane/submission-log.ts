import type { RenderedTarget } from '../../ports/submitter';

/** One real submit call that reached a simulated control plane. */
export interface Submission {
  readonly job: string;
  readonly date: string;
  readonly attempt: number;
  readonly kind: RenderedTarget['type'];
  readonly submissionId: string;
  readonly clusterId?: string;
  readonly clusterName?: string;
  readonly at: Date;
}

/** Submissions as stored in `.rsched/control-plane.json`. */
export type SubmissionSnapshot = (Omit<Submission, 'at'> & { readonly at: string })[];

/** What the simulated control planes were asked to run: the exactly-once guarantee is checked against it. */
export class SubmissionLog {
  readonly all: Submission[] = [];
  private readonly byRun = new Map<string, number>();

  record(submission: Submission): void {
    this.all.push(submission);
    const key = `${submission.job}@${submission.date}`;
    this.byRun.set(key, (this.byRun.get(key) ?? 0) + 1);
  }

  snapshot(): SubmissionSnapshot {
    return this.all.map((s) => ({ ...s, at: s.at.toISOString() }));
  }

  restore(snapshot: SubmissionSnapshot): void {
    for (const s of snapshot) this.record({ ...s, at: new Date(s.at) });
  }

  countFor(job: string, date: string): number {
    return this.byRun.get(`${job}@${date}`) ?? 0;
  }
}
