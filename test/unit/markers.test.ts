import { describe, expect, it } from 'vitest';
import {
  decodeS3Key,
  failureReasonOf,
  formatMarkerKey,
  MAX_MARKER_BODY_BYTES,
  type MarkerKey,
  MarkerRejection,
  parseMarkerBody,
  parseMarkerKey,
} from '../../lambdas/domain/markers';
import type { RunDate } from '../../lambdas/domain/run-date';

/** The marker protocol of SPEC §3. */

const JOBS = new Set(['sessions', 'prod-sessions', 'b', 'player_entry']);
const isJob = (name: string) => JOBS.has(name);
const parse = (key: string) => parseMarkerKey(key, isJob);
const reason = (key: string) => {
  const out = parse(key);
  return out instanceof MarkerRejection ? out.reason : `accepted as ${(out as MarkerKey).job}`;
};

describe('marker keys', () => {
  it('parse with no prefix, a folder prefix and either status', () => {
    expect(parse('sessions__20261122.done')).toEqual({
      key: 'sessions__20261122.done',
      prefix: '',
      job: 'sessions',
      date: '2026-11-22',
      status: 'done',
    });
    expect(parse('markers/daily/sessions__20261122.failed')).toMatchObject({
      prefix: 'markers/daily/',
      job: 'sessions',
      status: 'failed',
    });
  });

  it('take a prefix glued to the name only at a separator, and prefer the longest known job', () => {
    expect(parse('markers/prod-sessions__20261122.done')).toMatchObject({ job: 'prod-sessions', prefix: 'markers/' });
    expect(parse('markers/staging-sessions__20261122.done')).toMatchObject({ job: 'sessions', prefix: 'markers/staging-' });
    expect(parse('x.player_entry__20261122.done')).toMatchObject({ job: 'player_entry', prefix: 'x.' });
    // "nosuchjob" ends in "b", but not after a separator: it is not job b.
    expect(reason('nosuchjob__20261122.done')).toBe('unknown job "nosuchjob": no job in dag-config has that name');
    expect(reason('xsessions__20261122.done')).toBe('unknown job "xsessions": no job in dag-config has that name');
  });

  it('reject keys that do not end in <job>__<YYYYMMDD>.done|.failed', () => {
    const expected = 'key does not end in <job>__<YYYYMMDD>.done or <job>__<YYYYMMDD>.failed';
    for (const key of [
      'sessions__20261122.txt',
      'sessions_20261122.done',
      'sessions__20261122.done.tmp',
      'sessions__2026-11-22.done',
      '',
    ]) {
      expect(reason(key), key).toBe(expected);
    }
  });

  it('parse hourly dates as a UTC hour, reject impossible hours and dates of the wrong length', () => {
    expect(parse('markers/sessions__2026112205.done')).toMatchObject({ job: 'sessions', date: '2026-11-22T05', status: 'done' });
    expect(formatMarkerKey('sessions', '2026-11-22T05' as RunDate, 'failed', 'm/')).toBe('m/sessions__2026112205.failed');
    expect(reason('sessions__2026112224.done')).toBe('run date 2026112224 is not a real hour (day and hour 00-23)');
    expect(reason('sessions__2026113105.done')).toBe('run date 2026113105 is not a real hour (day and hour 00-23)');
    expect(reason('sessions__2026112.done')).toBe('run date must be YYYYMMDD (daily jobs) or YYYYMMDDHH (hourly jobs), got "2026112"');
    expect(reason('sessions__202611220.done')).toBe('run date must be YYYYMMDD (daily jobs) or YYYYMMDDHH (hourly jobs), got "202611220"');
  });

  it('reject impossible dates and accept leap days', () => {
    expect(reason('sessions__20261131.done')).toBe('run date 20261131 is not a real day');
    expect(reason('sessions__20260229.done')).toBe('run date 20260229 is not a real day');
    expect(reason('sessions__20261322.done')).toBe('run date 20261322 is not a real day');
    expect(reason('sessions__20261100.done')).toBe('run date 20261100 is not a real day');
    expect(reason('sessions__19691231.done')).toBe('run date 19691231 is not a real day');
    expect(reason('sessions__20280229.done')).toBe('accepted as sessions');
  });

  it('format back to the key they were parsed from', () => {
    const key = formatMarkerKey('prod-sessions', '2026-11-22' as RunDate, 'failed', 'markers/');
    expect(key).toBe('markers/prod-sessions__20261122.failed');
    expect(parse(key)).toMatchObject({ job: 'prod-sessions', date: '2026-11-22', status: 'failed', prefix: 'markers/' });
  });
});

describe('S3 key decoding', () => {
  it('turns + into a space and decodes %-escapes, %2F included', () => {
    expect(decodeS3Key('daily+markers/prod%2Dsessions__20261122.done')).toBe('daily markers/prod-sessions__20261122.done');
    expect(decodeS3Key('a%2Fb%3Ac%2Bd__20261122.done')).toBe('a/b:c+d__20261122.done');
    expect(decodeS3Key('caf%C3%A9/sessions__20261122.done')).toBe('café/sessions__20261122.done');
  });

  it('keeps a key with a broken escape as sent, for the parser to reject', () => {
    expect(decodeS3Key('bad%E0%A4%A/x+y__20261122.done')).toBe('bad%E0%A4%A/x y__20261122.done');
  });
});

describe('marker bodies', () => {
  it('accept an empty body, params of strings, and meta of anything', () => {
    expect(parseMarkerBody('')).toEqual({ params: {} });
    expect(parseMarkerBody('  \n')).toEqual({ params: {} });
    expect(parseMarkerBody('{}')).toEqual({ params: {}, meta: undefined });
    expect(parseMarkerBody('{"params":{"rows":"42","out.path":"s3://x"},"meta":{"rows":42,"files":["a"]}}')).toEqual({
      params: { rows: '42', 'out.path': 's3://x' },
      meta: { rows: 42, files: ['a'] },
    });
  });

  it('reject a body over 64 KiB, and accept one of exactly 64 KiB', () => {
    const fill = (bytes: number) => JSON.stringify({ meta: { pad: 'x'.repeat(bytes - '{"meta":{"pad":""}}'.length) } });
    expect(parseMarkerBody(fill(MAX_MARKER_BODY_BYTES))).toMatchObject({ params: {} });
    expect(parseMarkerBody(fill(MAX_MARKER_BODY_BYTES + 1))).toBe('body is 65537 bytes; the limit is 65536');
  });

  it('reject what is not an object of string params with meta, saying what is wrong', () => {
    expect(parseMarkerBody('{oops')).toMatch(/^body is not valid JSON: /);
    expect(parseMarkerBody('[1]')).toBe('body must be a JSON object {"params": {...}, "meta": {...}}');
    expect(parseMarkerBody('"done"')).toBe('body must be a JSON object {"params": {...}, "meta": {...}}');
    expect(parseMarkerBody('{"params":{"rows":42}}')).toBe('body.params.rows must be a string, got number');
    expect(parseMarkerBody('{"params":{"rows":null}}')).toBe('body.params.rows must be a string, got null');
    expect(parseMarkerBody('{"params":["a"]}')).toBe('body.params must be an object of strings');
    expect(parseMarkerBody('{"params":{"bad key":"x"}}')).toBe('body.params key "bad key" must match [A-Za-z0-9_.-]+');
    expect(parseMarkerBody('{"meta":"rows=42"}')).toBe('body.meta must be an object');
    expect(parseMarkerBody('{"params":{},"status":"ok","extra":1}')).toBe(
      'body has unknown field(s) "status", "extra"; expected "params", "meta" and "attempt"',
    );
  });

  it('give the failure reason a .failed marker carries, cut to 500 characters', () => {
    expect(failureReasonOf({ params: {}, meta: { error: 'OOM in stage 3' } })).toBe('OOM in stage 3');
    expect(failureReasonOf({ params: {}, meta: { reason: 'late input' } })).toBe('late input');
    expect(failureReasonOf({ params: {}, meta: { message: 'm', rows: 1 } })).toBe('m');
    expect(failureReasonOf({ params: {}, meta: { error: 'e'.repeat(600) } })).toHaveLength(500);
    expect(failureReasonOf({ params: {}, meta: { error: 42 } })).toBeUndefined();
    expect(failureReasonOf({ params: {} })).toBeUndefined();
  });
});
