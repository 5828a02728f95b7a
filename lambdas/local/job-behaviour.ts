import type { Job } from '../domain/config/dag';

/** How simulated jobs behave: `rsched simulate --fail/--hang/--duration/--lose-event`. */
export interface JobOverrides {
  readonly fail: ReadonlySet<string>;
  readonly hang: ReadonlySet<string>;
  readonly durations: ReadonlyMap<string, number>;
  /** Jobs whose state-change events EventBridge loses on the way to the completion function (docs/completion.md). */
  readonly loseEvents?: ReadonlySet<string>;
}

export const NO_OVERRIDES: JobOverrides = { fail: new Set(), hang: new Set(), durations: new Map() };

export interface SimulatedOutcome {
  /** 'hang': never finishes (an external job's marker never arrives). */
  readonly result: 'done' | 'failed' | 'hang';
  readonly durationMinutes: number;
}

export function simulatedOutcome(job: Job, overrides: JobOverrides): SimulatedOutcome {
  const durationMinutes = overrides.durations.get(job.name) ?? job.simulation.durationMinutes;
  if (overrides.hang.has(job.name)) return { result: 'hang', durationMinutes };
  return { result: overrides.fail.has(job.name) ? 'failed' : 'done', durationMinutes };
}
