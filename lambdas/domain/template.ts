import type { ParamRule } from './config/schema';
import { paramValueProblem } from './params';
import type { RunDate } from './run-date';
import { dayOf, hourOf } from './run-hour';

/**
 * `{{variable}}` templates in target strings. Unknown variables are validation
 * errors at config time; values that can only be known at run time (upstream
 * params) fail the submission with a clear reason instead of becoming "".
 */

const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const PARAM_KEY = /^[A-Za-z0-9_.-]+$/;

export const DATE_VARIABLES = ['date', 'yyyymmdd', 'yyyy', 'mm', 'dd', 'job', 'attempt'] as const;
/** `{{hour}}` (HH, UTC) exists only for hourly jobs (docs/hourly.md#templates). */
export const HOUR_VARIABLE = 'hour';
export const CLUSTER_VARIABLES = ['cluster.masterIp', 'cluster.id', 'cluster.name'] as const;

export interface TemplateContext {
  readonly job: string;
  readonly date: RunDate;
  readonly attempt: number;
  readonly cluster?: { readonly id: string; readonly name: string; readonly masterIp?: string };
  /** Params from upstream markers, merged (see mergeUpstreamParams). */
  readonly params: Readonly<Record<string, string>>;
  /** The job's declared param rules; every value is checked again when rendered (docs/params.md). */
  readonly paramRules?: Readonly<Record<string, ParamRule>>;
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** Every `{{...}}` in `text`, trimmed; `undefined` entries mark a stray `{{` without `}}`. */
export function variablesIn(text: string): { variables: string[]; unclosed: boolean } {
  const variables = [...text.matchAll(VARIABLE)].map((m) => m[1] as string);
  const unclosed = text.replace(VARIABLE, '').includes('{{');
  return { variables, unclosed };
}

/** Why `variable` cannot be used here, or undefined when it can. */
export function variableProblem(variable: string, opts: { hasCluster: boolean; hourly?: boolean }): string | undefined {
  if ((DATE_VARIABLES as readonly string[]).includes(variable)) return undefined;
  if (variable === HOUR_VARIABLE) {
    return opts.hourly ? undefined : '{{hour}} is only for hourly jobs ("granularity": "hourly"); a daily run has no hour';
  }
  if ((CLUSTER_VARIABLES as readonly string[]).includes(variable)) {
    return opts.hasCluster
      ? undefined
      : `{{${variable}}} needs a cluster: only emr-step targets, or datapipeline targets with a "pool", have one`;
  }
  if (variable.startsWith('params.')) {
    const key = variable.slice('params.'.length);
    return PARAM_KEY.test(key) ? undefined : `{{${variable}}}: param key must match [A-Za-z0-9_.-]+`;
  }
  const known = [...DATE_VARIABLES, HOUR_VARIABLE, ...CLUSTER_VARIABLES, 'params.<key>'].join(', ');
  return `unknown template variable {{${variable}}}; known: ${known}`;
}

function valueOfVariable(variable: string, ctx: TemplateContext): string {
  // An hourly run's date is `YYYY-MM-DDTHH`: {{date}} and its parts are still the day.
  const day = dayOf(ctx.date);
  const [yyyy, mm, dd] = day.split('-') as [string, string, string];
  switch (variable) {
    case 'date':
      return day;
    case HOUR_VARIABLE: {
      const hour = hourOf(ctx.date);
      if (hour === undefined) throw new TemplateError(`{{hour}} used by ${ctx.job} ${ctx.date}, a daily run with no hour`);
      return hour;
    }
    case 'yyyymmdd':
      return `${yyyy}${mm}${dd}`;
    case 'yyyy':
      return yyyy;
    case 'mm':
      return mm;
    case 'dd':
      return dd;
    case 'job':
      return ctx.job;
    case 'attempt':
      return String(ctx.attempt);
  }
  if (variable.startsWith('cluster.')) {
    const cluster = ctx.cluster;
    if (!cluster) throw new TemplateError(`{{${variable}}} used but the run has no cluster`);
    const value = variable === 'cluster.id' ? cluster.id : variable === 'cluster.name' ? cluster.name : cluster.masterIp;
    if (value === undefined) throw new TemplateError(`{{${variable}}}: cluster ${cluster.id} has no master IP recorded yet`);
    return value;
  }
  if (variable.startsWith('params.')) {
    const key = variable.slice('params.'.length);
    // Own properties only: `{{params.constructor}}` must not find Object.prototype.constructor.
    const value = Object.hasOwn(ctx.params, key) ? ctx.params[key] : undefined;
    if (typeof value !== 'string') {
      throw new TemplateError(`{{${variable}}}: no upstream marker of ${ctx.job} ${ctx.date} provided param "${key}"`);
    }
    const problem = paramValueProblem(ctx.paramRules ?? {}, key, value);
    if (problem) throw new TemplateError(`{{${variable}}} refused: ${problem}`);
    return value;
  }
  throw new TemplateError(`unknown template variable {{${variable}}}`);
}

export function render(text: string, ctx: TemplateContext): string {
  return text.replace(VARIABLE, (_, variable: string) => valueOfVariable(variable, ctx));
}

/**
 * Upstream params merged into one namespace. Upstreams are applied in name
 * order so the outcome does not depend on which marker arrived first.
 */
export function mergeUpstreamParams(byUpstream: Readonly<Record<string, Readonly<Record<string, string>>>>): Record<string, string> {
  const merged: Record<string, string> = Object.create(null);
  for (const upstream of Object.keys(byUpstream).sort()) Object.assign(merged, byUpstream[upstream]);
  return merged;
}
