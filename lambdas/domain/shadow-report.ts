import type { RunDate } from './run-date';

/**
 * `rsched shadow-report` (docs/shadow.md#the-report): a shadow job's runs
 * compared with what the old scheduler really did. Pure: the facts are read
 * from the run store and the marker bucket by the caller.
 *
 * What can be compared, honestly:
 * - our side is exact: the moment of the shadow decision (when a live job
 *   would have called the control plane);
 * - the old side is known only through its marker: when the marker object
 *   was written (the old job's *end*), and `meta.startedAt` if the old job
 *   wrote one. Without `meta.startedAt` the old job's start is unknown; it is
 *   never guessed (not from durations, not from the simulation config). Only
 *   one thing is then still certain: a decision that came after the old
 *   job's marker means we would have started later than it did.
 */

export interface ShadowRunFacts {
  readonly job: string;
  readonly date: RunDate;
  /** Our run's state now (PENDING when there is no run). */
  readonly state: string;
  readonly reason?: string;
  /** Upstreams our run still waited for (when it has no decision). */
  readonly waitingOn: readonly string[];
  /** Our first shadow decision for the run, any attempt. */
  readonly decidedAt?: string;
  /** The old scheduler's first marker for the run, if any is in the bucket. */
  readonly marker?: {
    readonly key: string;
    /** When it was written (the old job's end). */
    readonly at: string;
    /** `meta.startedAt` as the old job wrote it (any string: it is checked here). */
    readonly startedAt?: unknown;
  };
}

export const ShadowVerdict = {
  /** Both started it, within the tolerance of each other. */
  AGREE: 'agree',
  /** We would have started it earlier than the old scheduler did. */
  EARLIER: 'earlier',
  /** We would have started it later than the old scheduler did. */
  LATER: 'later',
  /** We would have started it; the old scheduler wrote no marker (did not run it, or has not finished it yet). */
  ONLY_SHADOW: 'only-shadow',
  /** The old scheduler ran it (a marker); we had not decided to start it. */
  ONLY_OLD: 'only-old',
  /** Both ran it, but the old job's start is unknown (no usable `meta.startedAt`) and nothing proves an order. */
  NOT_COMPARABLE: 'not-comparable',
} as const;

export type ShadowVerdict = (typeof ShadowVerdict)[keyof typeof ShadowVerdict];

/** Verdicts that count as a disagreement (exit 1). */
export const DISAGREEMENTS: readonly ShadowVerdict[] = [
  ShadowVerdict.EARLIER,
  ShadowVerdict.LATER,
  ShadowVerdict.ONLY_SHADOW,
  ShadowVerdict.ONLY_OLD,
];

export interface ShadowComparison {
  readonly job: string;
  readonly date: RunDate;
  readonly verdict: ShadowVerdict;
  readonly decidedAt: string | null;
  readonly oldStartedAt: string | null;
  readonly markerKey: string | null;
  readonly markerAt: string | null;
  /**
   * Our decision minus the old start, in minutes (negative: we were earlier).
   * Measured from the marker's time when `basis` is `marker`, where it is a
   * lower bound of how much later we were.
   */
  readonly deltaMinutes: number | null;
  readonly basis: 'meta.startedAt' | 'marker' | null;
  readonly state: string;
  readonly detail: string;
}

export interface ShadowSummary {
  readonly compared: number;
  readonly agree: number;
  readonly earlier: number;
  readonly later: number;
  readonly onlyShadow: number;
  readonly onlyOld: number;
  readonly notComparable: number;
  readonly disagreements: number;
}

export interface ShadowReportBody {
  readonly toleranceMinutes: number;
  readonly runs: readonly ShadowComparison[];
  readonly summary: ShadowSummary;
}

const MINUTE = 60_000;

function isoOrUndefined(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const minutesBetween = (later: string, earlier: string) => Math.round(((Date.parse(later) - Date.parse(earlier)) / MINUTE) * 10) / 10;

/** One run compared; undefined when neither side started it (nothing to compare). */
export function compareShadowRun(f: ShadowRunFacts, toleranceMinutes: number): ShadowComparison | undefined {
  if (f.decidedAt === undefined && f.marker === undefined) return undefined;
  const oldStartedAt = isoOrUndefined(f.marker?.startedAt);
  const base = {
    job: f.job,
    date: f.date,
    decidedAt: f.decidedAt ?? null,
    oldStartedAt: oldStartedAt ?? null,
    markerKey: f.marker?.key ?? null,
    markerAt: f.marker?.at ?? null,
    state: f.state,
  };
  if (!f.marker) {
    return {
      ...base,
      verdict: ShadowVerdict.ONLY_SHADOW,
      deltaMinutes: null,
      basis: null,
      detail: `we would have started it at ${f.decidedAt}; the old scheduler wrote no marker (it did not run it, or it has not finished)`,
    };
  }
  if (f.decidedAt === undefined) {
    const why = f.waitingOn.length > 0 ? `its upstreams were not all done (missing: ${f.waitingOn.join(', ')})` : `our run is ${f.state}`;
    return {
      ...base,
      verdict: ShadowVerdict.ONLY_OLD,
      deltaMinutes: null,
      basis: null,
      detail: `the old scheduler ran it (${f.marker.key}); we would not have started it: ${why}${f.reason ? ` — ${f.reason}` : ''}`,
    };
  }
  if (oldStartedAt !== undefined) {
    const delta = minutesBetween(f.decidedAt, oldStartedAt);
    const verdict = Math.abs(delta) <= toleranceMinutes ? ShadowVerdict.AGREE : delta < 0 ? ShadowVerdict.EARLIER : ShadowVerdict.LATER;
    const detail =
      verdict === ShadowVerdict.AGREE
        ? `started within ${toleranceMinutes} min of the old scheduler (${delta >= 0 ? '+' : ''}${delta} min)`
        : `we would have started ${Math.abs(delta)} min ${verdict === ShadowVerdict.EARLIER ? 'earlier' : 'later'} than the old scheduler (meta.startedAt ${oldStartedAt})`;
    return { ...base, verdict, deltaMinutes: delta, basis: 'meta.startedAt', detail };
  }
  const afterEnd = minutesBetween(f.decidedAt, f.marker.at);
  if (afterEnd > toleranceMinutes) {
    return {
      ...base,
      verdict: ShadowVerdict.LATER,
      deltaMinutes: afterEnd,
      basis: 'marker',
      detail: `we would have started it ${afterEnd} min after the old job had already finished (its marker); it has no meta.startedAt, so that is a lower bound`,
    };
  }
  return {
    ...base,
    verdict: ShadowVerdict.NOT_COMPARABLE,
    deltaMinutes: null,
    basis: null,
    detail: 'the old job wrote no usable meta.startedAt: its start is unknown, and our decision came before its marker',
  };
}

/** Every run compared, in date then job order, and the counts. */
export function buildShadowReport(facts: readonly ShadowRunFacts[], toleranceMinutes: number): ShadowReportBody {
  const runs = facts
    .map((f) => compareShadowRun(f, toleranceMinutes))
    .filter((c): c is ShadowComparison => c !== undefined)
    .sort((a, b) => a.date.localeCompare(b.date) || a.job.localeCompare(b.job));
  const count = (v: ShadowVerdict) => runs.filter((r) => r.verdict === v).length;
  return {
    toleranceMinutes,
    runs,
    summary: {
      compared: runs.length,
      agree: count(ShadowVerdict.AGREE),
      earlier: count(ShadowVerdict.EARLIER),
      later: count(ShadowVerdict.LATER),
      onlyShadow: count(ShadowVerdict.ONLY_SHADOW),
      onlyOld: count(ShadowVerdict.ONLY_OLD),
      notComparable: count(ShadowVerdict.NOT_COMPARABLE),
      disagreements: runs.filter((r) => DISAGREEMENTS.includes(r.verdict)).length,
    },
  };
}
