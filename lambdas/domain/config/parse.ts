import type { z } from 'zod';
import type { ConfigIssue } from './issues';
import { locateJsonError } from './json-error';
import {
  type CalendarSpec,
  type ClusterSpec,
  calendarName,
  calendarSchema,
  clusterSchema,
  type Defaults,
  defaultsSchema,
  type JobSpec,
  jobSchema,
} from './schema';

/** The text of one config file and the path used to name it in messages. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/** A parsed entity and where it came from. */
export interface Located<T> {
  readonly value: T;
  readonly file: string;
  readonly index: number;
}

export interface ParsedConfig {
  readonly jobs: readonly Located<JobSpec>[];
  readonly clusters: readonly Located<ClusterSpec>[];
  readonly defaults: readonly Located<Defaults>[];
  /** Named run-date calendars (docs/calendars.md), from the top-level `calendars` object of each file. */
  readonly calendars: readonly Located<NamedCalendarSpec>[];
  /**
   * Every job name and pool declared, including those of entities that failed
   * the schema: a broken job must not also show up as an "unknown dependency".
   */
  readonly declaredJobs: ReadonlySet<string>;
  readonly declaredPools: ReadonlySet<string>;
  /** Every calendar name declared, valid or not (a broken calendar is not also "unknown"). */
  readonly declaredCalendars: ReadonlySet<string>;
}

export type NamedCalendarSpec = CalendarSpec & { readonly name: string };

const TOP_LEVEL_KEYS = new Set(['$schema', 'defaults', 'clusters', 'jobs', 'calendars']);

function fieldPath(path: readonly PropertyKey[]): string | undefined {
  if (path.length === 0) return undefined;
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out;
}

function zodIssues(error: z.ZodError, file: string, entity: ConfigIssue['entity']): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue[] => {
    // Unknown keys are reported one per key so the message names each of them.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        severity: 'error',
        file,
        entity,
        field: fieldPath([...issue.path, key]),
        message: 'unknown field',
      }));
    }
    return [{ severity: 'error', file, entity, field: fieldPath(issue.path), message: issue.message }];
  });
}

function jsonSyntaxIssue(file: SourceFile, err: Error): ConfigIssue {
  const at = locateJsonError(file.text);
  const where = at ? ` at line ${at.line}, column ${at.column}` : '';
  const detail = err.message.replace(/\s+/g, ' ').slice(0, 200);
  return { severity: 'error', file: file.path, message: `not valid JSON${where}: ${detail}` };
}

/**
 * Removes what zod rejected — unknown keys, and the top-level fields that failed —
 * so the rest of the entity can still be checked.
 */
function withoutRejected(raw: unknown, error: z.ZodError): unknown {
  const copy = structuredClone(raw) as Record<string, unknown>;
  if (!copy || typeof copy !== 'object') return copy;
  for (const issue of error.issues) {
    if (issue.code !== 'unrecognized_keys') {
      if (issue.path.length > 0) delete copy[issue.path[0] as string];
      continue;
    }
    let node: unknown = copy;
    for (const key of issue.path) node = (node as Record<PropertyKey, unknown> | undefined)?.[key as string];
    if (node && typeof node === 'object') for (const key of issue.keys) delete (node as Record<string, unknown>)[key];
  }
  return copy;
}

function entityName(raw: unknown): string | undefined {
  if (raw && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string') {
    return (raw as { name: string }).name;
  }
  return undefined;
}

function parseArray<T>(raw: unknown, key: 'jobs' | 'clusters', file: string, schema: z.ZodType<T>, issues: ConfigIssue[]): Located<T>[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    issues.push({ severity: 'error', file, field: key, message: `must be an array, got ${typeof raw}` });
    return [];
  }
  const kind = key === 'jobs' ? 'job' : 'cluster';
  const out: Located<T>[] = [];
  raw.forEach((item, index) => {
    const name = entityName(item);
    const entity = name === undefined ? ({ kind, name: `#${index + 1}` } as const) : ({ kind, name } as const);
    const result = schema.safeParse(item);
    if (result.success) {
      out.push({ value: result.data, file, index });
      return;
    }
    issues.push(...zodIssues(result.error, file, entity));
    // One bad field should not hide the entity's other problems from the cross-entity checks:
    // without it (an optional field falls back to its default), check the rest.
    const retry = schema.safeParse(withoutRejected(item, result.error));
    if (retry.success) out.push({ value: retry.data, file, index });
  });
  return out;
}

/** The `calendars` object of one file: each calendar parsed on its own, so that one bad date names its calendar. */
function parseCalendars(raw: unknown, file: string, issues: ConfigIssue[], declared: Set<string>): Located<NamedCalendarSpec>[] {
  if (raw === undefined) return [];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    issues.push({
      severity: 'error',
      file,
      field: 'calendars',
      message: `must be an object of named calendars, got ${Array.isArray(raw) ? 'an array' : typeof raw}`,
    });
    return [];
  }
  const out: Located<NamedCalendarSpec>[] = [];
  Object.entries(raw as Record<string, unknown>).forEach(([name, item], index) => {
    declared.add(name);
    const entity = { kind: 'calendar', name } as const;
    const named = calendarName.safeParse(name);
    if (!named.success) issues.push(...zodIssues(named.error, file, entity));
    const result = calendarSchema.safeParse(item);
    if (!result.success) issues.push(...zodIssues(result.error, file, entity));
    else if (named.success) out.push({ value: { ...result.data, name }, file, index });
  });
  return out;
}

/**
 * Parses every file on its own and every entity on its own, so that one broken
 * job does not hide the problems of the others.
 */
export function parseFiles(files: readonly SourceFile[]): { parsed: ParsedConfig; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const jobs: Located<JobSpec>[] = [];
  const clusters: Located<ClusterSpec>[] = [];
  const defaults: Located<Defaults>[] = [];
  const declaredJobs = new Set<string>();
  const declaredPools = new Set<string>();
  const calendars: Located<NamedCalendarSpec>[] = [];
  const declaredCalendars = new Set<string>();
  for (const file of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(file.text);
    } catch (err) {
      issues.push(jsonSyntaxIssue(file, err as Error));
      continue;
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      issues.push({ severity: 'error', file: file.path, message: 'must be a JSON object with "jobs", "clusters" and/or "defaults"' });
      continue;
    }
    const record = raw as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!TOP_LEVEL_KEYS.has(key)) {
        issues.push({
          severity: 'error',
          file: file.path,
          field: key,
          message: 'unknown field (expected "jobs", "clusters", "defaults", "calendars" or "$schema")',
        });
      }
    }
    for (const raw of Array.isArray(record.jobs) ? record.jobs : []) {
      const name = entityName(raw);
      if (name !== undefined) declaredJobs.add(name);
    }
    for (const raw of Array.isArray(record.clusters) ? record.clusters : []) {
      const pools = (raw as { pools?: unknown })?.pools;
      if (Array.isArray(pools)) for (const p of pools) if (typeof p === 'string') declaredPools.add(p);
    }
    jobs.push(...parseArray(record.jobs, 'jobs', file.path, jobSchema, issues));
    clusters.push(...parseArray(record.clusters, 'clusters', file.path, clusterSchema, issues));
    calendars.push(...parseCalendars(record.calendars, file.path, issues, declaredCalendars));
    if (record.defaults !== undefined) {
      const result = defaultsSchema.safeParse(record.defaults);
      if (result.success) defaults.push({ value: result.data, file: file.path, index: 0 });
      else issues.push(...zodIssues(result.error, file.path, { kind: 'defaults' }));
    }
  }
  return { parsed: { jobs, clusters, defaults, calendars, declaredJobs, declaredPools, declaredCalendars }, issues };
}
