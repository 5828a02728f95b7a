/**
 * `rsched doctor`: what a real account needs before and after `cdk deploy`,
 * each check answering ok / warn / fail with the fix. AWS is reached only
 * through the clients passed in (tests give them recorded answers through
 * aws-sdk-client-mock). Every rule comes from AWS documentation, named where
 * it is checked; docs/deploy.md lists them for the user.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DataPipelineClient, DescribePipelinesCommand, paginateListPipelines } from '@aws-sdk/client-data-pipeline';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client, type Tag } from '@aws-sdk/client-ec2';
import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { GlueClient } from '@aws-sdk/client-glue';
import { GetInstanceProfileCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { paginateListSchedules, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Dag } from '../../../lambdas/domain/config/dag';
import { EMR_MANAGED_POLICY_TAG, TAG_STACK } from '../../../lambdas/domain/fleet/cluster-tags';
import { type AppInputs, CONTEXT_KEYS, type EmrInputs, RESERVED_CONCURRENCY } from '../../../lib/context';
import { STACK_OUTPUTS } from '../../../lib/stack-outputs';
import { checkServiceTargets } from './target-checks';

export const CheckStatus = { OK: 'ok', WARN: 'warn', FAIL: 'fail' } as const;
export type CheckStatus = (typeof CheckStatus)[keyof typeof CheckStatus];

export interface CheckResult {
  readonly id: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** What to do about a warn or fail. */
  readonly fix?: string;
}

export interface DoctorClients {
  readonly sts: STSClient;
  readonly cloudFormation: CloudFormationClient;
  readonly ec2: EC2Client;
  readonly iam: IAMClient;
  readonly dataPipeline: DataPipelineClient;
  readonly lambda: LambdaClient;
  readonly secrets: SecretsManagerClient;
  readonly s3: S3Client;
  readonly scheduler: SchedulerClient;
  readonly cloudWatch: CloudWatchClient;
  readonly sns: SNSClient;
  /** The serverless targets' services: does each named job, application and state machine exist (target-checks.ts). */
  readonly glue: GlueClient;
  readonly emrServerless: EMRServerlessClient;
  readonly sfn: SFNClient;
}

export function doctorClients(region?: string): DoctorClients {
  const config = region ? { region } : {};
  return {
    sts: new STSClient(config),
    cloudFormation: new CloudFormationClient(config),
    ec2: new EC2Client(config),
    iam: new IAMClient(config),
    dataPipeline: new DataPipelineClient(config),
    lambda: new LambdaClient(config),
    secrets: new SecretsManagerClient(config),
    s3: new S3Client(config),
    scheduler: new SchedulerClient(config),
    cloudWatch: new CloudWatchClient(config),
    sns: new SNSClient(config),
    glue: new GlueClient(config),
    emrServerless: new EMRServerlessClient(config),
    sfn: new SFNClient(config),
  };
}

export interface DoctorInputs {
  readonly stackName: string;
  /** cdk.json context, as `cdk deploy` reads it. */
  readonly app: AppInputs;
  readonly dag: Dag;
  readonly now: Date;
}

const ok = (id: string, message: string): CheckResult => ({ id, status: CheckStatus.OK, message });
const warn = (id: string, message: string, fix: string): CheckResult => ({ id, status: CheckStatus.WARN, message, fix });
const fail = (id: string, message: string, fix: string): CheckResult => ({ id, status: CheckStatus.FAIL, message, fix });
const errorText = (err: unknown) => `${(err as Error).name}: ${(err as Error).message}`;
const hasTag = (tags: readonly Tag[] | undefined, key: string, value: string) =>
  (tags ?? []).some((t) => t.Key === key && t.Value === value);
const TAG_COMMAND = `--tags Key=${EMR_MANAGED_POLICY_TAG.key},Value=${EMR_MANAGED_POLICY_TAG.value}`;

/** Lambda keeps at least this much concurrency unreserved ("Configuring reserved concurrency", AWS Lambda Developer Guide). */
export const MIN_UNRESERVED_CONCURRENCY = 100;
/** The sweeper runs every minute; this long without an invocation means its schedule is not working. */
const SWEEPER_SILENCE_MINUTES = 10;

/** Runs every check; the ones that need a deployed stack say so when it is not deployed yet. */
export async function runDoctor(inputs: DoctorInputs, clients: DoctorClients): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const identity = await checkIdentity(clients);
  results.push(identity);
  if (identity.status === CheckStatus.FAIL) return results;

  const stack = await readStack(inputs.stackName, clients);
  results.push(stack.result);
  const outputs = stack.outputs;

  if (inputs.dag.clusters.size > 0) results.push(...(await checkEmr(inputs, outputs, clients)));
  const pipelines = [...inputs.dag.jobs.values()].flatMap((j) => (j.target.type === 'datapipeline' ? [j.target.pipeline] : []));
  if (pipelines.length > 0) results.push(...(await checkDataPipeline(inputs.stackName, [...new Set(pipelines)], clients)));
  results.push(...(await checkServiceTargets(inputs.dag, clients)));
  results.push(checkMarkerWriters(inputs.dag));
  results.push(await checkConcurrency(inputs, outputs !== undefined, clients));
  if (inputs.app.slackWebhookSecret) results.push(await checkSlackSecret(inputs.app.slackWebhookSecret, clients));
  if (outputs) {
    results.push(await checkBucketNotifications(outputs, clients));
    results.push(await checkSchedules(inputs, outputs, clients));
    results.push(await checkSweeper(inputs, outputs, clients));
    if (inputs.app.alertEmails.length > 0) results.push(await checkSubscriptions(outputs, clients));
  }
  return results;
}

/** Whether any job restricts who may write its markers (docs/threat-model.md); none is allowed, but said. */
export function checkMarkerWriters(dag: Dag): CheckResult {
  const restricted = [...dag.jobs.values()].filter((j) => j.markers.writers !== undefined).map((j) => j.name);
  if (restricted.length > 0) return ok('marker writers', `markers of ${restricted.join(', ')} may be written only by their writers`);
  return warn(
    'marker writers',
    'no job names "markers": {"writers": [...]}: anyone allowed s3:PutObject on the marker bucket can mark any job done or failed',
    'Give the jobs whose markers other systems write a "markers": {"prefix": ..., "writers": [...]} (docs/threat-model.md), then cdk deploy.',
  );
}

async function checkIdentity(clients: DoctorClients): Promise<CheckResult> {
  try {
    const region = await clients.sts.config.region();
    const me = await clients.sts.send(new GetCallerIdentityCommand({}));
    return ok('account', `account ${me.Account} in ${region}, as ${me.Arn}`);
  } catch (err) {
    return fail(
      'account',
      `STS GetCallerIdentity failed: no usable credentials or region, or no route to AWS (${errorText(err)})`,
      'Set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and AWS_REGION, or pass --region.',
    );
  }
}

async function readStack(stackName: string, clients: DoctorClients): Promise<{ result: CheckResult; outputs?: Record<string, string> }> {
  try {
    const out = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    const outputs = Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
    const status = stack?.StackStatus ?? 'UNKNOWN';
    if (!status.endsWith('_COMPLETE') || status.includes('ROLLBACK')) {
      return {
        result: fail(
          'stack',
          `stack ${stackName} is ${status}`,
          'Read the stack events (aws cloudformation describe-stack-events) and deploy again.',
        ),
        outputs,
      };
    }
    return { result: ok('stack', `stack ${stackName} is ${status}`), outputs };
  } catch (err) {
    if ((err as Error).name === 'ValidationError') {
      return {
        result: warn(
          'stack',
          `stack ${stackName} is not deployed yet: the checks of a deployed stack are skipped`,
          'Fix what fails below, run `npx cdk deploy`, then `rsched doctor` again.',
        ),
      };
    }
    return {
      result: fail('stack', `could not read stack ${stackName}: ${errorText(err)}`, 'Check cloudformation:DescribeStacks permission.'),
    };
  }
}

/**
 * AmazonEMRServicePolicy_v2 acts only on subnets, security groups and launch
 * templates tagged for-use-with-amazon-emr-managed-policies=true ("Service role
 * for Amazon EMR (EMR role)"; "Tagging resources to use managed policies").
 * When the stack creates the service role, an untagged subnet or an untagged
 * EMR-managed security group means no cluster can start: fail. With your own
 * service role the tag may not matter: warn.
 */
async function checkEmr(inputs: DoctorInputs, outputs: Record<string, string> | undefined, clients: DoctorClients): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const emr = inputs.app.emr;
  const createdRole = !emr.serviceRoleName;
  const untagged = (id: string, message: string, fix: string) => (createdRole ? fail(id, message, fix) : warn(id, message, fix));
  if (!emr.subnetId) {
    results.push(
      untagged(
        'emr-subnet',
        `${CONTEXT_KEYS.emrSubnetId} is empty: clusters would launch in EMR's default subnet${createdRole ? ', which AmazonEMRServicePolicy_v2 (the service role the stack creates) does not allow unless it is tagged' : ''}`,
        `Pick a private subnet with a route to S3, tag it (aws ec2 create-tags --resources subnet-… ${TAG_COMMAND}) and deploy with -c ${CONTEXT_KEYS.emrSubnetId}=subnet-….`,
      ),
    );
  } else {
    try {
      const out = await clients.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [emr.subnetId] }));
      const subnet = out.Subnets?.[0];
      if (!subnet) throw Object.assign(new Error(`${emr.subnetId} not found`), { name: 'InvalidSubnetID.NotFound' });
      if (hasTag(subnet.Tags, EMR_MANAGED_POLICY_TAG.key, EMR_MANAGED_POLICY_TAG.value)) {
        results.push(
          ok('emr-subnet', `${emr.subnetId} (${subnet.VpcId}, ${subnet.AvailabilityZone}) carries ${EMR_MANAGED_POLICY_TAG.key}=true`),
        );
      } else {
        results.push(
          untagged(
            'emr-subnet',
            `${emr.subnetId} lacks the tag ${EMR_MANAGED_POLICY_TAG.key}=true that AmazonEMRServicePolicy_v2 requires`,
            `aws ec2 create-tags --resources ${emr.subnetId} ${TAG_COMMAND}`,
          ),
        );
      }
      if (subnet.VpcId) results.push(await checkSecurityGroups(subnet.VpcId, untagged, clients));
    } catch (err) {
      results.push(
        fail(
          'emr-subnet',
          `${emr.subnetId} cannot be read: ${errorText(err)}`,
          `Check the id and region, or set ${CONTEXT_KEYS.emrSubnetId} to a subnet of this account.`,
        ),
      );
    }
  }
  const serviceRole = outputs?.[STACK_OUTPUTS.emrServiceRole] ?? emr.serviceRoleName;
  results.push(
    serviceRole
      ? await checkRoleTrust('emr-service-role', serviceRole, 'elasticmapreduce.amazonaws.com', clients)
      : ok('emr-service-role', 'created by the stack at deploy (AmazonEMRServicePolicy_v2, trusted by EMR of this account)'),
  );
  const profiles = instanceProfilesOf(outputs, emr);
  if (profiles.length === 0) results.push(ok('emr-instance-profile', 'created by the stack at deploy, one per pool set (trusted by EC2)'));
  for (const profile of profiles) results.push(await checkInstanceProfile(profile, clients));
  return results;
}

/** The deployed stack's instance profiles (shared, or one per pool set), else the one named in context. */
function instanceProfilesOf(outputs: Record<string, string> | undefined, emr: EmrInputs): string[] {
  const byPools = outputs?.[STACK_OUTPUTS.emrInstanceProfiles];
  if (byPools) return Object.values(JSON.parse(byPools) as Record<string, string>);
  const shared = outputs?.[STACK_OUTPUTS.emrInstanceProfile] ?? emr.instanceProfileName;
  return shared ? [shared] : [];
}

async function checkSecurityGroups(
  vpcId: string,
  untagged: (id: string, message: string, fix: string) => CheckResult,
  clients: DoctorClients,
): Promise<CheckResult> {
  try {
    const out = await clients.ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'group-name', Values: ['ElasticMapReduce-*'] },
        ],
      }),
    );
    const groups = out.SecurityGroups ?? [];
    if (groups.length === 0) {
      return ok('emr-security-groups', `no EMR-managed security groups in ${vpcId} yet: EMR creates them, tagged, with the first cluster`);
    }
    const bad = groups.filter((g) => !hasTag(g.Tags, EMR_MANAGED_POLICY_TAG.key, EMR_MANAGED_POLICY_TAG.value));
    if (bad.length === 0) return ok('emr-security-groups', `${groups.length} EMR-managed security groups in ${vpcId}, all tagged`);
    const ids = bad.map((g) => g.GroupId).join(' ');
    return untagged(
      'emr-security-groups',
      `EMR-managed security groups without ${EMR_MANAGED_POLICY_TAG.key}=true in ${vpcId}: ${bad.map((g) => `${g.GroupName} (${g.GroupId})`).join(', ')}`,
      `aws ec2 create-tags --resources ${ids} ${TAG_COMMAND}`,
    );
  } catch (err) {
    return warn(
      'emr-security-groups',
      `could not list security groups: ${errorText(err)}`,
      'Grant ec2:DescribeSecurityGroups to run this check.',
    );
  }
}

function trusts(document: string | undefined, service: string): boolean {
  if (!document) return false;
  const policy = JSON.parse(decodeURIComponent(document)) as {
    Statement?: { Effect?: string; Principal?: { Service?: string | string[] } }[];
  };
  return (policy.Statement ?? []).some((s) => {
    const principal = s.Principal?.Service;
    return s.Effect === 'Allow' && (Array.isArray(principal) ? principal : [principal]).includes(service);
  });
}

async function checkRoleTrust(id: string, roleName: string, service: string, clients: DoctorClients): Promise<CheckResult> {
  try {
    const out = await clients.iam.send(new GetRoleCommand({ RoleName: roleName }));
    if (trusts(out.Role?.AssumeRolePolicyDocument, service)) return ok(id, `${roleName} exists and trusts ${service}`);
    return fail(
      id,
      `${roleName} does not trust ${service}`,
      `Add ${service} as a principal of its trust policy (aws iam update-assume-role-policy).`,
    );
  } catch (err) {
    if ((err as Error).name === 'NoSuchEntityException') {
      return fail(
        id,
        `role ${roleName} does not exist`,
        'Create it (aws emr create-default-roles creates EMR_DefaultRole_V2), or leave the context key empty so the stack creates one.',
      );
    }
    return warn(id, `could not read role ${roleName}: ${errorText(err)}`, 'Grant iam:GetRole to run this check.');
  }
}

async function checkInstanceProfile(name: string, clients: DoctorClients): Promise<CheckResult> {
  try {
    const out = await clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    const role = out.InstanceProfile?.Roles?.[0];
    if (!role)
      return fail(
        'emr-instance-profile',
        `instance profile ${name} holds no role`,
        `aws iam add-role-to-instance-profile --instance-profile-name ${name} --role-name …`,
      );
    if (!trusts(role.AssumeRolePolicyDocument, 'ec2.amazonaws.com')) {
      return fail(
        'emr-instance-profile',
        `role ${role.RoleName} of ${name} does not trust ec2.amazonaws.com`,
        'Make EC2 a principal of its trust policy.',
      );
    }
    return ok('emr-instance-profile', `${name} holds ${role.RoleName}, trusted by EC2`);
  } catch (err) {
    if ((err as Error).name === 'NoSuchEntityException') {
      return fail(
        'emr-instance-profile',
        `instance profile ${name} does not exist`,
        'Create it, or leave rsched:emrInstanceProfileName empty so the stack creates one.',
      );
    }
    return warn(
      'emr-instance-profile',
      `could not read instance profile ${name}: ${errorText(err)}`,
      'Grant iam:GetInstanceProfile to run this check.',
    );
  }
}

/**
 * AWS Data Pipeline is closed to new customers (since 2024-07-25) and
 * regional: ListPipelines answers only where the account may use it. The
 * submit policy activates only pipelines tagged rsched:stack=<stack>
 * (lib/submit-grants.ts), so each named pipeline must carry that tag.
 */
async function checkDataPipeline(stackName: string, names: readonly string[], clients: DoctorClients): Promise<CheckResult[]> {
  const ids = new Map<string, string>();
  try {
    for await (const page of paginateListPipelines({ client: clients.dataPipeline }, {})) {
      for (const p of page.pipelineIdList ?? []) if (p.name && p.id) ids.set(p.name, p.id);
    }
  } catch (err) {
    return [
      fail(
        'data-pipeline',
        `AWS Data Pipeline does not answer here (${errorText(err)}): it is closed to new customers and available in a few regions only`,
        'Deploy in a region where this account already uses Data Pipeline, or move these jobs to EMR steps (Glue, Step Functions or MWAA for new work).',
      ),
    ];
  }
  const results: CheckResult[] = [ok('data-pipeline', `AWS Data Pipeline answers (${ids.size} pipelines in this account and region)`)];
  for (const name of names) {
    const id = name.startsWith('df-') ? name : ids.get(name);
    if (!id) {
      results.push(
        fail(`pipeline ${name}`, `no pipeline named "${name}"`, 'Create it, or fix the name in the dag-config (rsched validate).'),
      );
      continue;
    }
    try {
      const out = await clients.dataPipeline.send(new DescribePipelinesCommand({ pipelineIds: [id] }));
      const tags = out.pipelineDescriptionList?.[0]?.tags ?? [];
      if (tags.some((t) => t.key === TAG_STACK && t.value === stackName))
        results.push(ok(`pipeline ${name}`, `${id} is tagged ${TAG_STACK}=${stackName}`));
      else {
        results.push(
          fail(
            `pipeline ${name}`,
            `${id} lacks the tag ${TAG_STACK}=${stackName}: the scheduler may activate only pipelines carrying it`,
            `aws datapipeline add-tags --pipeline-id ${id} --tags key=${TAG_STACK},value=${stackName}`,
          ),
        );
      }
    } catch (err) {
      results.push(
        warn(`pipeline ${name}`, `could not describe ${id}: ${errorText(err)}`, 'Grant datapipeline:DescribePipelines to run this check.'),
      );
    }
  }
  return results;
}

/**
 * Reserved concurrency comes out of the account's pool, and Lambda keeps at
 * least 100 unreserved ("Configuring reserved concurrency for a function",
 * AWS Lambda Developer Guide). New accounts may have a pool of 10.
 */
async function checkConcurrency(inputs: DoctorInputs, deployed: boolean, clients: DoctorClients): Promise<CheckResult> {
  const wanted = inputs.app.reserveConcurrency
    ? RESERVED_CONCURRENCY.scheduler +
      RESERVED_CONCURRENCY.sweeper +
      (inputs.app.slackWebhookSecret ? RESERVED_CONCURRENCY.slackNotifier : 0)
    : 0;
  try {
    const out = await clients.lambda.send(new GetAccountSettingsCommand({}));
    const limit = out.AccountLimit?.ConcurrentExecutions ?? 0;
    const unreserved = out.AccountLimit?.UnreservedConcurrentExecutions ?? 0;
    // Once deployed, the stack's reservations are already out of the unreserved pool.
    const after = deployed ? unreserved : unreserved - wanted;
    const what = `account limit ${limit}, unreserved ${unreserved}; the stack reserves ${wanted}`;
    if (after >= MIN_UNRESERVED_CONCURRENCY) return ok('lambda-concurrency', what);
    return fail(
      'lambda-concurrency',
      `${what}: Lambda must keep ${MIN_UNRESERVED_CONCURRENCY} unreserved, so the deploy fails`,
      `Deploy with -c ${CONTEXT_KEYS.reserveConcurrency}=false, or request a higher "Concurrent executions" quota (Service Quotas, AWS Lambda).`,
    );
  } catch (err) {
    return warn(
      'lambda-concurrency',
      `could not read Lambda account settings: ${errorText(err)}`,
      'Grant lambda:GetAccountSettings to run this check.',
    );
  }
}

/** The notifier accepts the URL itself or JSON {"url": …} (docs/deploy.md); the value is never printed. */
async function checkSlackSecret(secretId: string, clients: DoctorClients): Promise<CheckResult> {
  try {
    const out = await clients.secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    const raw = (out.SecretString ?? '').trim();
    let url = raw;
    if (raw.startsWith('{')) {
      try {
        url = String((JSON.parse(raw) as { url?: unknown }).url ?? '');
      } catch {
        url = '';
      }
    }
    if (/^https:\/\/hooks\.slack\.com\/(services|workflows|triggers)\/\S+$/.test(url))
      return ok('slack-secret', `${secretId} holds a Slack webhook URL`);
    return fail(
      'slack-secret',
      `${secretId} does not hold a Slack incoming-webhook URL (https://hooks.slack.com/services/…, or JSON {"url": …})`,
      `aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string 'https://hooks.slack.com/services/…'`,
    );
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') {
      return fail(
        'slack-secret',
        `secret ${secretId} does not exist in this account and region`,
        `aws secretsmanager create-secret --name ${secretId} --secret-string 'https://hooks.slack.com/services/…'`,
      );
    }
    return warn(
      'slack-secret',
      `could not read secret ${secretId}: ${errorText(err)}`,
      'Grant secretsmanager:GetSecretValue to run this check.',
    );
  }
}

async function checkBucketNotifications(outputs: Record<string, string>, clients: DoctorClients): Promise<CheckResult> {
  const bucket = outputs[STACK_OUTPUTS.markerBucket] ?? '';
  const topic = outputs[STACK_OUTPUTS.markerTopic] ?? '';
  try {
    const out = await clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    const suffixes = new Set(
      (out.TopicConfigurations ?? [])
        .filter((c) => c.TopicArn === topic && (c.Events ?? []).some((e) => e.startsWith('s3:ObjectCreated:')))
        .flatMap((c) => (c.Filter?.Key?.FilterRules ?? []).filter((r) => r.Name?.toLowerCase() === 'suffix').map((r) => r.Value)),
    );
    const missing = ['.done', '.failed'].filter((s) => !suffixes.has(s));
    if (missing.length === 0) return ok('bucket-notifications', `${bucket} notifies ${topic} of created .done and .failed objects`);
    return fail(
      'bucket-notifications',
      `${bucket} does not notify the marker topic of ${missing.join(' and ')} objects: markers would never reach the scheduler`,
      'Run `npx cdk deploy` again; something replaced the bucket notification configuration (it is one document per bucket).',
    );
  } catch (err) {
    return warn(
      'bucket-notifications',
      `could not read the notification configuration of ${bucket}: ${errorText(err)}`,
      'Grant s3:GetBucketNotification to run this check.',
    );
  }
}

async function checkSchedules(inputs: DoctorInputs, outputs: Record<string, string>, clients: DoctorClients): Promise<CheckResult> {
  const group = outputs[STACK_OUTPUTS.scheduleGroup];
  if (!group)
    return warn(
      'schedules',
      'the stack has no ScheduleGroupName output (deployed before rsched doctor existed)',
      'Run `npx cdk deploy` to update it.',
    );
  const roots = [...inputs.dag.jobs.values()].filter((j) => j.schedule !== undefined && j.target.type !== 'external').length;
  const expected = roots + 1 + (inputs.dag.clusters.size > 0 ? inputs.dag.clusters.size * 2 + 1 : 0);
  try {
    const schedules: { Name?: string; State?: string }[] = [];
    for await (const page of paginateListSchedules({ client: clients.scheduler }, { GroupName: group }))
      schedules.push(...(page.Schedules ?? []));
    const disabled = schedules.filter((s) => s.State !== 'ENABLED').map((s) => s.Name);
    if (disabled.length > 0) {
      return fail(
        'schedules',
        `${disabled.length} of ${schedules.length} schedules are not ENABLED: ${disabled.join(', ')}`,
        `aws scheduler update-schedule --group-name ${group} --name … --state ENABLED (with its other settings), or redeploy`,
      );
    }
    if (schedules.length < expected) {
      return fail(
        'schedules',
        `${schedules.length} schedules in ${group}, expected ${expected} for this config`,
        'Deploy the config you validated (npx cdk deploy).',
      );
    }
    return ok('schedules', `${schedules.length} schedules in ${group}, all ENABLED`);
  } catch (err) {
    return warn(
      'schedules',
      `could not list the schedules of ${group}: ${errorText(err)}`,
      'Grant scheduler:ListSchedules to run this check.',
    );
  }
}

async function checkSweeper(inputs: DoctorInputs, outputs: Record<string, string>, clients: DoctorClients): Promise<CheckResult> {
  const fn = outputs[STACK_OUTPUTS.sweeperFunction] ?? '';
  const end = inputs.now;
  const start = new Date(end.getTime() - SWEEPER_SILENCE_MINUTES * 60_000);
  try {
    const out = await clients.cloudWatch.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Dimensions: [{ Name: 'FunctionName', Value: fn }],
        StartTime: start,
        EndTime: end,
        Period: 60,
        Statistics: ['Sum'],
      }),
    );
    const invocations = (out.Datapoints ?? []).reduce((n, d) => n + (d.Sum ?? 0), 0);
    if (invocations >= 1) return ok('sweeper', `${fn} ran ${invocations} times in the last ${SWEEPER_SILENCE_MINUTES} minutes`);
    return fail(
      'sweeper',
      `${fn} was not invoked in the last ${SWEEPER_SILENCE_MINUTES} minutes (it runs every minute): timeouts, retries and LATE alerts have stopped`,
      'Check the schedule-target-errors alarm and the sweeper schedule (aws scheduler get-schedule); the usual cause is the schedule role failing to be assumed.',
    );
  } catch (err) {
    return warn(
      'sweeper',
      `could not read the sweeper's invocations: ${errorText(err)}`,
      'Grant cloudwatch:GetMetricStatistics to run this check.',
    );
  }
}

/** SNS e-mail subscriptions deliver only once confirmed through the link AWS mails ("Amazon SNS email notifications"). */
async function checkSubscriptions(outputs: Record<string, string>, clients: DoctorClients): Promise<CheckResult> {
  const topic = outputs[STACK_OUTPUTS.alertTopic] ?? '';
  try {
    const out = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }));
    const pending = (out.Subscriptions ?? []).filter((s) => s.Protocol === 'email' && s.SubscriptionArn === 'PendingConfirmation');
    if (pending.length === 0) return ok('alert-emails', 'every e-mail subscription of the alert topic is confirmed');
    return warn(
      'alert-emails',
      `${pending.length} e-mail subscription(s) not confirmed: ${pending.map((s) => s.Endpoint).join(', ')} receive no alerts`,
      'Click "Confirm subscription" in the mail from AWS Notifications (check spam), or redeploy to send it again.',
    );
  } catch (err) {
    return warn(
      'alert-emails',
      `could not list the alert subscriptions: ${errorText(err)}`,
      'Grant sns:ListSubscriptionsByTopic to run this check.',
    );
  }
}
