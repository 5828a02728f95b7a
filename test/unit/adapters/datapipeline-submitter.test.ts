import {
  ActivatePipelineCommand,
  DataPipelineClient,
  DescribePipelinesCommand,
  InternalServiceError,
  ListPipelinesCommand,
  PipelineNotFoundException,
} from '@aws-sdk/client-data-pipeline';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DataPipelineSubmitter, parsePipelineTime } from '../../../lambdas/adapters/aws/datapipeline-submitter';
import type { RunDate } from '../../../lambdas/domain/run-date';
import type { SubmissionRef, SubmitRequest } from '../../../lambdas/ports/submitter';
import { submitErrorOf } from '../../support/submit-errors';

const client = new DataPipelineClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const mock = mockClient(client);

const request = (pipeline: string, parameters: Record<string, string> = {}): SubmitRequest => ({
  job: 'kpi_export',
  date: '2026-11-22' as RunDate,
  attempt: 1,
  target: { type: 'datapipeline', pipeline, parameters },
});

/** Three pages of ListPipelines: the wanted pipeline is on the last one. */
function listInPages(): void {
  mock
    .on(ListPipelinesCommand, { marker: undefined })
    .resolves({ pipelineIdList: [{ id: 'df-0001', name: 'player-entry-export' }], marker: 'page-2', hasMoreResults: true });
  mock
    .on(ListPipelinesCommand, { marker: 'page-2' })
    .resolves({ pipelineIdList: [{ id: 'df-0002', name: 'payments-export' }], marker: 'page-3', hasMoreResults: true });
  mock
    .on(ListPipelinesCommand, { marker: 'page-3' })
    .resolves({ pipelineIdList: [{ id: 'df-0003', name: 'kpi-to-redshift' }], hasMoreResults: false });
}

const listCalls = () => mock.commandCalls(ListPipelinesCommand).length;
const activated = () => mock.commandCalls(ActivatePipelineCommand).map((c) => c.args[0].input);

beforeEach(() => {
  mock.reset();
  mock.on(ActivatePipelineCommand).resolves({});
});

describe('DataPipelineSubmitter', () => {
  it('resolves a name through every page of ListPipelines and activates with the parameterValues exactly', async () => {
    listInPages();
    const submitter = new DataPipelineSubmitter(client);
    const result = await submitter.submit(request('kpi-to-redshift', { myDate: '2026-11-22', myOutput: 's3://lake/kpis/dt=2026-11-22/' }));
    expect(result).toEqual({ submissionId: 'df-0003' });
    // The mock answers by marker, so three calls mean each page was asked for with the marker of the one before.
    expect(listCalls()).toBe(3);
    expect(activated()).toEqual([
      {
        pipelineId: 'df-0003',
        parameterValues: [
          { id: 'myDate', stringValue: '2026-11-22' },
          { id: 'myOutput', stringValue: 's3://lake/kpis/dt=2026-11-22/' },
        ],
      },
    ]);
  });

  it('uses a df- id as it is, without listing', async () => {
    const submitter = new DataPipelineSubmitter(client);
    await submitter.submit(request('df-0ABC123XYZ'));
    expect(listCalls()).toBe(0);
    expect(activated()).toEqual([{ pipelineId: 'df-0ABC123XYZ', parameterValues: [] }]);
  });

  it('caches names within the TTL and lists again after it', async () => {
    listInPages();
    let now = 1_000_000;
    const submitter = new DataPipelineSubmitter(client, { cacheTtlMs: 60_000, now: () => now });
    await submitter.submit(request('kpi-to-redshift'));
    now += 59_999;
    await submitter.submit(request('payments-export'));
    expect(listCalls()).toBe(3);
    now += 1;
    await submitter.submit(request('kpi-to-redshift'));
    expect(listCalls()).toBe(6);
    expect(activated().map((a) => a.pipelineId)).toEqual(['df-0003', 'df-0002', 'df-0003']);
  });

  it('refreshes a fresh cache when a name is not in it, for a pipeline created since', async () => {
    mock
      .on(ListPipelinesCommand)
      .resolvesOnce({ pipelineIdList: [{ id: 'df-0001', name: 'old' }] })
      .resolves({
        pipelineIdList: [
          { id: 'df-0001', name: 'old' },
          { id: 'df-0009', name: 'new' },
        ],
      });
    const submitter = new DataPipelineSubmitter(client);
    await submitter.submit(request('old'));
    await submitter.submit(request('new'));
    expect(listCalls()).toBe(2);
    expect(activated().map((a) => a.pipelineId)).toEqual(['df-0001', 'df-0009']);
  });

  it('refreshes only once when a name is missing from a fresh cache, then fails without retrying', async () => {
    mock.on(ListPipelinesCommand).resolves({ pipelineIdList: [{ id: 'df-0001', name: 'old' }] });
    const submitter = new DataPipelineSubmitter(client);
    await submitter.submit(request('old'));
    const err = await submitErrorOf(submitter.submit(request('missing')));
    expect(err.message).toBe('no Data Pipeline named "missing" in this account and region');
    expect(listCalls()).toBe(2);
  });

  it('rejects a name that several pipelines share, naming their ids, without retrying', async () => {
    mock.on(ListPipelinesCommand).resolves({
      pipelineIdList: [
        { id: 'df-0001', name: 'kpi-to-redshift' },
        { id: 'df-0002', name: 'kpi-to-redshift' },
      ],
    });
    const err = await submitErrorOf(new DataPipelineSubmitter(client).submit(request('kpi-to-redshift')));
    expect(err.retryable).toBe(false);
    expect(err.message).toBe('2 pipelines are named "kpi-to-redshift" (df-0001, df-0002); use the df- id');
    expect(activated()).toEqual([]);
  });

  it('marks PipelineNotFoundException permanent and InternalServiceError retryable, keeping the cause', async () => {
    const submitter = new DataPipelineSubmitter(client);
    const notFound = new PipelineNotFoundException({ message: 'Pipeline df-0001 not found', $metadata: {} });
    mock.on(ActivatePipelineCommand).rejects(notFound);
    const permanent = await submitErrorOf(submitter.submit(request('df-0001')));
    expect(permanent.retryable).toBe(false);
    expect(permanent.message).toBe('ActivatePipeline df-0001: PipelineNotFoundException: Pipeline df-0001 not found');
    expect(permanent.cause).toBe(notFound);

    mock.on(ActivatePipelineCommand).rejects(new InternalServiceError({ message: 'try again', $metadata: {} }));
    const transient = await submitErrorOf(submitter.submit(request('df-0001')));
    expect(transient.retryable).toBe(true);
  });

  it('says whether a failed ActivatePipeline may have been applied: a 5xx or a lost connection may, throttling and refusals not', async () => {
    const submitter = new DataPipelineSubmitter(client);
    mock.on(ActivatePipelineCommand).rejects(new InternalServiceError({ message: 'try again', $metadata: { httpStatusCode: 500 } }));
    expect(await submitErrorOf(submitter.submit(request('df-0001')))).toMatchObject({ maybeApplied: true, retryable: true });
    mock.on(ActivatePipelineCommand).rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(await submitErrorOf(submitter.submit(request('df-0001')))).toMatchObject({ maybeApplied: true, retryable: true });
    mock
      .on(ActivatePipelineCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    expect(await submitErrorOf(submitter.submit(request('df-0001')))).toMatchObject({ maybeApplied: false, retryable: true });
    mock.on(ActivatePipelineCommand).rejects(new PipelineNotFoundException({ message: 'gone', $metadata: { httpStatusCode: 400 } }));
    expect(await submitErrorOf(submitter.submit(request('df-0001')))).toMatchObject({ maybeApplied: false, retryable: false });
  });

  it('a failing ListPipelines before ActivatePipeline is retryable and not applied: nothing was sent', async () => {
    mock.on(ListPipelinesCommand).rejects(new InternalServiceError({ message: 'down', $metadata: { httpStatusCode: 500 } }));
    expect(await submitErrorOf(new DataPipelineSubmitter(client).submit(request('kpi-to-redshift')))).toMatchObject({
      retryable: true,
      maybeApplied: false,
    });
    expect(activated()).toEqual([]);
  });

  it('refuses targets of another type', async () => {
    const wrong = { ...request('x'), target: { type: 'emr-step', args: ['x'], jar: 'j', actionOnFailure: 'CONTINUE' } } as const;
    const err = await submitErrorOf(new DataPipelineSubmitter(client).submit(wrong));
    expect(err.retryable).toBe(false);
  });
});

/**
 * The lookup after a maybe-applied ActivatePipeline: DescribePipelines'
 * `@lastActivationTime` (UTC, to the second, no zone; see
 * https://docs.aws.amazon.com/datapipeline/latest/APIReference/API_DescribePipelines.html for the
 * key/stringValue fields) against the claim time `since`.
 */
describe('DataPipelineSubmitter.findSubmission', () => {
  const since = '2026-11-22T06:00:10.400Z';
  const ref = (over: Partial<SubmissionRef> = {}): SubmissionRef => ({
    job: 'kpi_export',
    date: '2026-11-22' as RunDate,
    attempt: 1,
    type: 'datapipeline',
    since,
    target: { type: 'datapipeline', pipeline: 'df-0001', parameters: {} },
    ...over,
  });
  const activatedAt = (stringValue?: string) =>
    mock.on(DescribePipelinesCommand, { pipelineIds: ['df-0001'] }).resolves({
      pipelineDescriptionList: [
        {
          pipelineId: 'df-0001',
          name: 'kpi-to-redshift',
          fields: [
            { key: '@pipelineState', stringValue: 'SCHEDULED' },
            ...(stringValue ? [{ key: '@lastActivationTime', stringValue }] : []),
          ],
        },
      ],
    });

  it('an activation at or after the claim is ours: found, the pipeline id as submission id', async () => {
    activatedAt('2026-11-22T06:00:11');
    expect(await new DataPipelineSubmitter(client).findSubmission(ref())).toEqual({ submissionId: 'df-0001' });
  });

  it('an activation stamped within the skew before the claim (second truncation, clocks) is still ours', async () => {
    activatedAt('2026-11-22T06:00:10');
    expect(await new DataPipelineSubmitter(client).findSubmission(ref())).toEqual({ submissionId: 'df-0001' });
    activatedAt('2026-11-22T06:00:06');
    expect(await new DataPipelineSubmitter(client).findSubmission(ref())).toEqual({ submissionId: 'df-0001' });
  });

  it('an activation clearly before the claim is not ours: undefined, safe to activate', async () => {
    activatedAt('2026-11-22T06:00:05');
    expect(await new DataPipelineSubmitter(client).findSubmission(ref())).toBeUndefined();
    activatedAt('2026-11-21T06:00:00');
    expect(await new DataPipelineSubmitter(client).findSubmission(ref())).toBeUndefined();
  });

  it('cannot tell without the field, with an unreadable time, without since or target, or when DescribePipelines fails', async () => {
    const submitter = new DataPipelineSubmitter(client);
    activatedAt(undefined);
    expect(await submitter.findSubmission(ref())).toBe('unknown');
    activatedAt('yesterday');
    expect(await submitter.findSubmission(ref())).toBe('unknown');
    activatedAt('2026-11-22T06:00:11');
    expect(await submitter.findSubmission(ref({ since: undefined }))).toBe('unknown');
    expect(await submitter.findSubmission(ref({ target: undefined }))).toBe('unknown');
    mock.on(DescribePipelinesCommand).rejects(new InternalServiceError({ message: 'down', $metadata: { httpStatusCode: 500 } }));
    expect(await submitter.findSubmission(ref())).toBe('unknown');
  });

  it('resolves a pipeline name before describing it', async () => {
    listInPages();
    mock.on(DescribePipelinesCommand, { pipelineIds: ['df-0003'] }).resolves({
      pipelineDescriptionList: [
        { pipelineId: 'df-0003', name: 'kpi-to-redshift', fields: [{ key: '@lastActivationTime', stringValue: '2026-11-22T06:01:00' }] },
      ],
    });
    const found = await new DataPipelineSubmitter(client).findSubmission(
      ref({ target: { type: 'datapipeline', pipeline: 'kpi-to-redshift', parameters: {} } }),
    );
    expect(found).toEqual({ submissionId: 'df-0003' });
  });
});

describe('parsePipelineTime', () => {
  it('reads Data Pipeline times as UTC, with or without a zone', () => {
    expect(parsePipelineTime('2012-12-13T01:24:06')).toBe(Date.parse('2012-12-13T01:24:06Z'));
    expect(parsePipelineTime('2012-12-13T01:24:06Z')).toBe(Date.parse('2012-12-13T01:24:06Z'));
    expect(parsePipelineTime('')).toBeUndefined();
    expect(parsePipelineTime('not a time')).toBeUndefined();
  });
});
