import { parseCompactRunDate, type RunDate } from './run-date';
import { compactPeriod, parseCompactRunHour } from './run-hour';

/**
 * The marker protocol (docs/markers.md): a job announces its outcome by writing
 * `<any prefix><job>__<YYYYMMDD>.done` (or `.failed`; `YYYYMMDDHH` for an
 * hourly job, docs/hourly.md) to the marker bucket,
 * with an empty body or a JSON object `{"params": {...}, "meta": {...}}`.
 */

export const MARKER_STATUSES = ['done', 'failed'] as const;
export type MarkerStatus = (typeof MARKER_STATUSES)[number];

export const MAX_MARKER_BODY_BYTES = 64 * 1024;

export interface MarkerKey {
  readonly key: string;
  /** Everything before the job name, e.g. `markers/`. */
  readonly prefix: string;
  readonly job: string;
  readonly date: RunDate;
  readonly status: MarkerStatus;
}

export interface MarkerBody {
  readonly params: Readonly<Record<string, string>>;
  readonly meta?: Readonly<Record<string, unknown>>;
  /**
   * The attempt this marker reports (`rsched mark` writes it; a job can pass
   * `{{attempt}}` through). When present it decides which attempt the marker
   * belongs to, with no clock involved (docs/markers.md).
   */
  readonly attempt?: number;
}

/** Why a marker was refused. Stored with the rejection and sent in the MARKER_REJECTED alert. */
export class MarkerRejection {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {}
}

const KEY_PATTERN = /^(.*?)([^/]*?)__(\d+)\.(done|failed)$/;
const PARAM_KEY = /^[A-Za-z0-9_.-]+$/;

/** S3 event keys are URL-encoded with `+` for spaces. */
export function decodeS3Key(raw: string): string {
  const spaced = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A broken %-escape: keep the key as sent; parseMarkerKey rejects it with a reason.
    return spaced;
  }
}

/**
 * Parses a decoded key. `isJob` resolves the job name: with a prefix that does not
 * end in "/", e.g. `prod-sessions__20261122.done`, the longest known job name that
 * ends the name part after a non-alphanumeric character wins.
 */
export function parseMarkerKey(key: string, isJob: (name: string) => boolean): MarkerKey | MarkerRejection {
  const m = KEY_PATTERN.exec(key);
  if (!m) {
    return new MarkerRejection(key, 'key does not end in <job>__<YYYYMMDD>.done or <job>__<YYYYMMDD>.failed');
  }
  const [, folder, namePart, digits, status] = m as unknown as [string, string, string, string, MarkerStatus];
  if (digits.length !== 8 && digits.length !== 10) {
    return new MarkerRejection(key, `run date must be YYYYMMDD (daily jobs) or YYYYMMDDHH (hourly jobs), got "${digits}"`);
  }
  // YYYYMMDDHH names a UTC hour of an hourly job (docs/hourly.md); whether the job is hourly is checked by the caller.
  const date = digits.length === 8 ? parseCompactRunDate(digits) : parseCompactRunHour(digits);
  if (!date)
    return new MarkerRejection(key, `run date ${digits} is not a real ${digits.length === 8 ? 'day' : 'hour (day and hour 00-23)'}`);
  let job: string | undefined;
  for (let i = 0; i < namePart.length && job === undefined; i++) {
    // A prefix glued to the name must end in a separator: "prod-sessions" may be job
    // "sessions", but "nosuchjob" is never job "b".
    const atBoundary = i === 0 || !/[a-z0-9]/i.test(namePart[i - 1] as string);
    if (atBoundary && isJob(namePart.slice(i))) job = namePart.slice(i);
  }
  if (job === undefined) {
    return new MarkerRejection(key, `unknown job "${namePart}": no job in dag-config has that name`);
  }
  return { key, prefix: folder + namePart.slice(0, namePart.length - job.length), job, date, status };
}

/**
 * S3 sequencers order the events of one key only (Amazon S3 User Guide, "Event
 * message structure", the `sequencer` key). Sequencers can differ in length:
 * the shorter is padded with zeros on the RIGHT before a lexicographic compare
 * (AWS Knowledge Center, "Why am I getting duplicate messages ... for the same
 * Amazon S3 event?"). Right-padded to one width they compare as strings, which
 * is how the run store's conditions compare them.
 */
export function normaliseSequencer(sequencer: string): string;
export function normaliseSequencer(sequencer: string | undefined): string | undefined;
export function normaliseSequencer(sequencer: string | undefined): string | undefined {
  return sequencer?.toUpperCase().padEnd(SEQUENCER_WIDTH, '0');
}

/** Wider than any sequencer S3 sends (16-20 hex digits today). */
const SEQUENCER_WIDTH = 32;

export function formatMarkerKey(job: string, date: RunDate, status: MarkerStatus, prefix = ''): string {
  return `${prefix}${job}__${compactPeriod(date)}.${status}`;
}

/** Parses a marker body; an empty body is valid and means no params. */
export function parseMarkerBody(text: string): MarkerBody | string {
  if (Buffer.byteLength(text, 'utf8') > MAX_MARKER_BODY_BYTES) {
    return `body is ${Buffer.byteLength(text, 'utf8')} bytes; the limit is ${MAX_MARKER_BODY_BYTES}`;
  }
  if (text.trim() === '') return { params: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return `body is not valid JSON: ${(err as Error).message}`;
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'body must be a JSON object {"params": {...}, "meta": {...}}';
  const { params = {}, meta, attempt, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    return `body has unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}; expected "params", "meta" and "attempt"`;
  if (attempt !== undefined && !(Number.isInteger(attempt) && (attempt as number) >= 1)) {
    return `body.attempt must be a whole number from 1, got ${JSON.stringify(attempt)}`;
  }
  if (!params || typeof params !== 'object' || Array.isArray(params)) return 'body.params must be an object of strings';
  for (const [k, v] of Object.entries(params)) {
    if (!PARAM_KEY.test(k)) return `body.params key "${k}" must match [A-Za-z0-9_.-]+`;
    if (typeof v !== 'string') return `body.params.${k} must be a string, got ${v === null ? 'null' : typeof v}`;
  }
  if (meta !== undefined && (!meta || typeof meta !== 'object' || Array.isArray(meta))) return 'body.meta must be an object';
  return {
    params: params as Record<string, string>,
    meta: meta as Record<string, unknown> | undefined,
    ...(attempt !== undefined ? { attempt: attempt as number } : {}),
  };
}

/** A failure reason a job may put in a `.failed` marker's meta. */
export function failureReasonOf(body: MarkerBody): string | undefined {
  const meta = body.meta ?? {};
  for (const key of ['error', 'reason', 'message']) {
    if (typeof meta[key] === 'string') return (meta[key] as string).slice(0, 500);
  }
  return undefined;
}
