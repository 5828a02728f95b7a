import { loadDag } from '../../lambdas/domain/config/validate';
import type { RunDate } from '../../lambdas/domain/run-date';
import { type SimulateOptions, type SimulationResult, simulate } from '../../lambdas/local/simulate';
import { isSuccessful } from '../../lambdas/local/simulation-report';

export const SIM_DATE = '2026-11-22' as RunDate;

type Overrides = Partial<Omit<SimulateOptions, 'dag' | 'date' | 'overrides'>> & {
  fail?: string[];
  hang?: string[];
  durations?: Record<string, number>;
  /** @default SIM_DATE */
  date?: RunDate;
};

/** Simulates a config given as JSON (the shape of a dag-config file) on the example date. */
export async function simulateConfig(config: Record<string, unknown>, opts: Overrides = {}): Promise<SimulationResult & { ok: boolean }> {
  const dag = loadDag([{ path: 'scenario.json', text: JSON.stringify(config) }]);
  const result = await simulate({
    dag,
    date: opts.date ?? SIM_DATE,
    duplicates: opts.duplicates,
    shuffle: opts.shuffle,
    seed: opts.seed,
    overrides: {
      fail: new Set(opts.fail ?? []),
      hang: new Set(opts.hang ?? []),
      durations: new Map(Object.entries(opts.durations ?? {})),
    },
  });
  return { ...result, ok: isSuccessful(result.report) };
}

/** A Data Pipeline job for scenario configs. */
export function dp(name: string, dependsOn: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, dependsOn, target: { type: 'datapipeline', pipeline: `${name}-pipeline` }, simulation: { durationMinutes: 10 }, ...extra };
}

export function emr(name: string, pool: string, dependsOn: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    dependsOn,
    target: { type: 'emr-step', pool, step: { args: ['spark-submit', `${name}.py`, '{{date}}'] } },
    simulation: { durationMinutes: 10 },
    ...extra,
  };
}

export function external(name: string, arrivesAt = '00:00', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, target: { type: 'external' }, simulation: { arrivesAt }, ...extra };
}

export function cluster(
  name: string,
  pools: string[],
  start: string,
  stop: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name,
    pools,
    start,
    stop,
    releaseLabel: 'emr-7.5.0',
    instances: { master: 'm5.xlarge', core: { type: 'r5.xlarge', count: 2 } },
    simulation: { provisionMinutes: 8 },
    ...extra,
  };
}

export function states(result: SimulationResult): Record<string, string> {
  return Object.fromEntries(Object.entries(result.report.jobs).map(([name, job]) => [name, job.state]));
}

export function submissions(result: SimulationResult): Record<string, number> {
  return Object.fromEntries(Object.entries(result.report.jobs).map(([name, job]) => [name, job.submissions]));
}
