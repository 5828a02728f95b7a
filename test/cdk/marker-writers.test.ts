/**
 * Issue 14: only a job's writers may write its markers. The bucket policy the
 * CDK app derives from `markers.writers` is evaluated with an IAM policy
 * simulator (@cloud-copilot/iam-simulate, AGPL, tests only) against a
 * principal whose own policy allows s3:PutObject everywhere, as the shared
 * EMR instance role of an ad-hoc cluster would: an explicit Deny in a
 * resource policy wins over an identity Allow (IAM User Guide, "Policy
 * evaluation logic"); `aws:PrincipalArn` of an assumed-role session is the
 * role's ARN ("AWS global condition context keys").
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/runtime/env';
import type { ClusterFleet } from '../../lib/cluster-fleet';
import { ACCOUNT, resolveTemplate } from '../support/iam-model';
import { logicalId, type Synthesized, synthesize } from './support';

const INGEST_ROLE = `arn:aws:iam::${ACCOUNT}:role/ingest-loader`;
const ANALYSTS_ROLE = `arn:aws:iam::${ACCOUNT}:role/analysts-emr-instance`;
const JOBS = [
  { name: 'raw_events', target: { type: 'external' }, markers: { prefix: 'ingest/', writers: [`arn:aws:iam::${ACCOUNT}:role/ingest-*`] } },
  { name: 'sessions', dependsOn: ['raw_events'], target: { type: 'datapipeline', pipeline: 'sessions-pipeline' } },
  {
    name: 'daily_agg',
    dependsOn: ['sessions'],
    target: { type: 'emr-step', pool: 'etl', step: { args: ['spark-submit', 's3://code/agg.py'] } },
    markers: { prefix: 'etl/', writers: [`arn:aws:iam::${ACCOUNT}:role/etl-operators`] },
  },
  // completion "events" (the default for emr-step): the scheduler writes this job's markers (docs/completion.md).
  {
    name: 'load_step',
    target: { type: 'emr-step', pool: 'etl', step: { args: ['spark-submit', 's3://code/load.py'] } },
    markers: { prefix: 'loads/', writers: [`arn:aws:iam::${ACCOUNT}:role/loader-*`] },
  },
];
const CLUSTERS = [
  {
    name: 'nightly',
    pools: ['etl'],
    start: '0 1 * * *',
    stop: '0 4 * * *',
    releaseLabel: 'emr-7.5.0',
    instances: { master: 'm5.xlarge' },
  },
];
const configDir = mkdtempSync(join(tmpdir(), 'rsched-writers-config-'));
writeFileSync(join(configDir, 'jobs.json'), JSON.stringify({ jobs: JOBS, clusters: CLUSTERS }));

let s: Synthesized;
let resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
let bucketArn: string;
let bucketPolicy: { Version: string; Statement: unknown[] };
beforeAll(() => {
  s = synthesize({}, configDir);
  resources = resolveTemplate(s.template.toJSON() as never) as typeof resources;
  const policy = Object.values(resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && JSON.stringify(r).includes('OnlyWritersOf'));
  if (!policy) throw new Error('no bucket policy with the writers statement');
  bucketPolicy = policy.Properties.PolicyDocument as typeof bucketPolicy;
  const deny = (bucketPolicy.Statement as { Sid?: string; Resource: string }[]).find((st) => st.Sid === 'OnlyWritersOfrawevents');
  bucketArn = (deny?.Resource ?? '').replace(/\/ingest\/raw_events__\*$/, '');
});
afterAll(() => rmSync(configDir, { recursive: true, force: true }));

async function put(principal: string, key: string): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal,
        action: 's3:PutObject',
        resource: { resource: `${bucketArn}/${key}`, accountId: ACCOUNT },
        // AWS sets aws:PrincipalArn on every request (for a role session: the role's ARN).
        contextVariables: { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': principal },
      },
      identityPolicies: [
        { name: 'anything-in-s3', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: bucketPolicy,
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

describe('markers.writers becomes a bucket policy', () => {
  it("denies writing and deleting the job prefix's markers to everyone but the writers", () => {
    const deny = (bucketPolicy.Statement as Record<string, unknown>[]).find((st) => st.Sid === 'OnlyWritersOfrawevents');
    expect(deny).toEqual({
      Sid: 'OnlyWritersOfrawevents',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:DeleteObject', 's3:PutObject'],
      Resource: `${bucketArn}/ingest/raw_events__*`,
      Condition: { ArnNotLike: { 'aws:PrincipalArn': [`arn:aws:iam::${ACCOUNT}:role/ingest-*`] } },
    });
  });

  it("a principal outside the writers cannot write the job's markers, even with s3:* on everything", async () => {
    expect(await put(ANALYSTS_ROLE, 'ingest/raw_events__20261201.done')).toBe('ExplicitlyDenied');
    expect(await put(INGEST_ROLE, 'ingest/raw_events__20261201.done')).toBe('Allowed');
    // Jobs without writers keep the open behaviour.
    expect(await put(ANALYSTS_ROLE, 'sessions__20261201.done')).toBe('Allowed');
  });

  it("lets the node role of a job's pool write its markers even when the job names other writers", async () => {
    const fleet = s.stack.fleet as ClusterFleet;
    // Names as the model resolves a Ref (test/support/iam-model.ts): rsched-<logical id>.
    const nodeRole = `arn:aws:iam::${ACCOUNT}:role/rsched-${logicalId(fleet.nodeRoles.forPools(['etl']).role)}`;
    expect(resources[logicalId(fleet.nodeRoles.forPools(['etl']).role)]?.Type).toBe('AWS::IAM::Role');
    expect(await put(nodeRole, 'etl/daily_agg__20261201.done')).toBe('Allowed');
    expect(await put(`arn:aws:iam::${ACCOUNT}:role/etl-operators`, 'etl/daily_agg__20261201.failed')).toBe('Allowed');
    expect(await put(ANALYSTS_ROLE, 'etl/daily_agg__20261201.done')).toBe('ExplicitlyDenied');
    // The node role is a writer of its pool's jobs only.
    expect(await put(nodeRole, 'ingest/raw_events__20261201.done')).toBe('ExplicitlyDenied');
  });

  it('lets the completion function and the sweeper write the markers of a completion-"events" job with writers, and no one else', async () => {
    const deny = (bucketPolicy.Statement as { Sid?: string; Condition: { ArnNotLike: { 'aws:PrincipalArn': string[] } } }[]).find(
      (st) => st.Sid === 'OnlyWritersOfloadstep',
    );
    const exempt = deny?.Condition.ArnNotLike['aws:PrincipalArn'] ?? [];
    // Its writers, the completion function and the sweeper, and the node role of its pool (docs/threat-model.md).
    expect(exempt).toHaveLength(4);
    expect(exempt[0]).toBe(`arn:aws:iam::${ACCOUNT}:role/loader-*`);
    const completion = exempt.find((a) => /CompletionFunctionRole/.test(a)) as string;
    const sweeper = exempt.find((a) => /SweeperFunctionRole/.test(a)) as string;
    expect(completion).toBeDefined();
    expect(sweeper).toBeDefined();
    expect(exempt.some((a) => /NodeRoles/.test(a))).toBe(true);
    for (const writer of [completion, sweeper, `arn:aws:iam::${ACCOUNT}:role/loader-nightly`]) {
      expect(await put(writer, 'loads/load_step__20261201.done')).toBe('Allowed');
    }
    expect(await put(ANALYSTS_ROLE, 'loads/load_step__20261201.failed')).toBe('ExplicitlyDenied');
    // The exemption is per job: raw_events' markers stay its writers' alone.
    expect(await put(completion, 'ingest/raw_events__20261201.done')).toBe('ExplicitlyDenied');
  });

  it('tells the scheduler which bucket and topic to trust', () => {
    type Fn = { Type: string; Properties: { Environment?: { Variables?: Record<string, string> } } };
    const resources = resolveTemplate(s.template.toJSON() as never) as Record<string, Fn>;
    const env = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties.Environment?.Variables ?? {})
      .find((v) => v.POWERTOOLS_SERVICE_NAME === 'rsched-scheduler');
    expect(env?.[ENV.MARKER_BUCKET]).toBe(bucketArn.replace('arn:aws:s3:::', ''));
    expect(env?.[ENV.MARKER_TOPIC_ARN]).toMatch(/^arn:aws:sns:.*MarkerTopic/);
  });

  it('passes a configured marker date window to the scheduler', () => {
    type Fn = { Type: string; Properties: { Environment?: { Variables?: Record<string, string> } } };
    const windowed = synthesize({ markerWindow: { daysBack: 30, daysAhead: 0 } }, configDir);
    const env = Object.values(resolveTemplate(windowed.template.toJSON() as never) as Record<string, Fn>)
      .map((r) => r.Properties.Environment?.Variables ?? {})
      .find((v) => v.POWERTOOLS_SERVICE_NAME === 'rsched-scheduler');
    expect(env).toMatchObject({ [ENV.MARKER_DAYS_BACK]: '30', [ENV.MARKER_DAYS_AHEAD]: '0' });
  });
});
