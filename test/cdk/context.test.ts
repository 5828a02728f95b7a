import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, ContextInvalidError, readAppInputs } from '../../lib/context';

const CDK_CONTEXT = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;

const read = (context: Record<string, unknown>) => readAppInputs((key) => context[key]);

describe('cdk.json context', () => {
  it('gives the defaults for the blank values cdk.json ships with', () => {
    expect(read(CDK_CONTEXT)).toEqual({
      stackName: 'ReactiveScheduler',
      configDir: 'dag-config',
      markerBucketName: undefined,
      alertEmails: [],
      slackWebhookSecret: undefined,
      chatbot: undefined,
      emr: {
        subnetId: undefined,
        serviceRoleName: undefined,
        instanceProfileName: undefined,
        instanceRoleName: undefined,
        logUri: undefined,
        instanceDataBuckets: [],
        instanceManagedPolicyArns: [],
        securityConfiguration: undefined,
      },
      retentionDays: 400,
      markerWindow: { daysBack: 400, daysAhead: 1 },
      reserveConcurrency: true,
    });
  });

  it('reads the marker date window, and refuses one that is not whole days', () => {
    expect(read({ [CONTEXT_KEYS.markerDaysBack]: '30', [CONTEXT_KEYS.markerDaysAhead]: 0 }).markerWindow).toEqual({
      daysBack: 30,
      daysAhead: 0,
    });
    expect(() => read({ [CONTEXT_KEYS.markerDaysAhead]: '1.5' })).toThrow(
      'rsched:markerDaysAhead must be a whole number of days from 0 to 31, got "1.5"',
    );
  });

  it("reads the EMR instance role's data access and security configuration, as lists or comma-separated", () => {
    const inputs = read({
      [CONTEXT_KEYS.emrInstanceDataBuckets]: 'my-code-bucket, my-data-bucket',
      [CONTEXT_KEYS.emrInstanceManagedPolicyArns]: ['arn:aws:iam::123456789012:policy/etl-data'],
      [CONTEXT_KEYS.emrSecurityConfiguration]: 'rsched-encrypted',
    });
    expect(inputs.emr).toMatchObject({
      instanceDataBuckets: ['my-code-bucket', 'my-data-bucket'],
      instanceManagedPolicyArns: ['arn:aws:iam::123456789012:policy/etl-data'],
      securityConfiguration: 'rsched-encrypted',
    });
    expect(() => read({ [CONTEXT_KEYS.emrInstanceManagedPolicyArns]: 'etl-data' })).toThrow(
      'rsched:emrInstanceManagedPolicyArns: "etl-data" is not an IAM managed policy ARN',
    );
  });

  it('reads what `cdk deploy -c key=value` passes: strings, comma-separated e-mails, "false"', () => {
    const inputs = read({
      [CONTEXT_KEYS.stackName]: 'rsched-prod',
      [CONTEXT_KEYS.alertEmails]: 'oncall@example.com, data@example.com',
      [CONTEXT_KEYS.retentionDays]: '30',
      [CONTEXT_KEYS.reserveConcurrency]: 'false',
      [CONTEXT_KEYS.chatbotSlackWorkspaceId]: 'T0123ABCD',
      [CONTEXT_KEYS.chatbotSlackChannelId]: 'C0123ABCD',
      [CONTEXT_KEYS.emrSubnetId]: 'subnet-0abc123',
      [CONTEXT_KEYS.emrServiceRoleName]: 'EMR_DefaultRole_V2',
      [CONTEXT_KEYS.emrLogUri]: 's3://my-logs/emr/',
    });
    expect(inputs).toMatchObject({
      stackName: 'rsched-prod',
      alertEmails: ['oncall@example.com', 'data@example.com'],
      retentionDays: 30,
      reserveConcurrency: false,
      chatbot: { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' },
      emr: { subnetId: 'subnet-0abc123', serviceRoleName: 'EMR_DefaultRole_V2', logUri: 's3://my-logs/emr/' },
    });
  });

  it('reports every bad value at once, each naming its key', () => {
    const bad = () =>
      read({
        [CONTEXT_KEYS.stackName]: '1-starts-with-a-digit',
        [CONTEXT_KEYS.markerBucketName]: 'Not_A_Bucket',
        [CONTEXT_KEYS.alertEmails]: ['oncall.example.com'],
        [CONTEXT_KEYS.chatbotSlackWorkspaceId]: 'T0123ABCD',
        [CONTEXT_KEYS.retentionDays]: 0,
        [CONTEXT_KEYS.emrSubnetId]: 'sn-1',
        [CONTEXT_KEYS.emrLogUri]: 'my-logs/emr',
      });
    expect(bad).toThrow(ContextInvalidError);
    try {
      bad();
    } catch (error) {
      const problems = (error as ContextInvalidError).problems;
      expect(problems).toHaveLength(7);
      for (const key of [
        'stackName',
        'markerBucketName',
        'alertEmails',
        'chatbotSlackWorkspaceId',
        'retentionDays',
        'emrSubnetId',
        'emrLogUri',
      ]) {
        expect(problems.join('\n')).toContain(`rsched:${key}`);
      }
    }
  });
});
