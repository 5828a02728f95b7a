/** One problem found in the configuration, located well enough to fix it without searching. */
export interface ConfigIssue {
  readonly severity: 'error' | 'warning';
  /** Path of the file as given to the loader (relative to the working directory when read from disk). */
  readonly file: string;
  /** The job or cluster the problem belongs to; absent for file-level problems. */
  readonly entity?: { readonly kind: 'job' | 'cluster' | 'defaults' | 'calendar'; readonly name?: string };
  /** Field path inside the entity, e.g. `dependsOn[1]` or `target.step.args[2]`. */
  readonly field?: string;
  readonly message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const parts = [issue.file];
  if (issue.entity) {
    parts.push(issue.entity.name === undefined ? issue.entity.kind : `${issue.entity.kind} "${issue.entity.name}"`);
  }
  if (issue.field) parts.push(issue.field);
  const prefix = issue.severity === 'warning' ? 'warning: ' : '';
  return `${prefix}${parts.join(': ')}: ${issue.message}`;
}

/** Thrown where a valid configuration is required (synth, Lambda cold start, CLI). */
export class ConfigInvalidError extends Error {
  override readonly name = 'ConfigInvalidError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    const errors = issues.filter((i) => i.severity === 'error');
    super(
      `configuration is invalid (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${errors.map((i) => `  - ${formatIssue(i)}`).join('\n')}`,
    );
  }
}

/** Levenshtein distance, for "did you mean" hints on misspelt names. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** ` (did you mean "x"?)` when a known name is close to `wanted`, else an empty string. */
export function didYouMean(wanted: string, known: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(wanted.length / 3)) + 1;
  for (const candidate of known) {
    const d = distance(wanted, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}
