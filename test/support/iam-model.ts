/**
 * A synthesized template turned into what IAM evaluates: every intrinsic
 * (Ref, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split and the pseudo
 * parameters) replaced by the concrete name or ARN CloudFormation would give
 * it in a fake account, and the policies grouped the way AWS applies them:
 * identity policies per role, resource policies per topic, queue, key and
 * function, trust policies per role.
 *
 * The simulator is @cloud-copilot/iam-simulate (AGPL-3.0): a devDependency
 * used by tests only, never bundled (README, licensing note).
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const REGION = 'eu-west-1';
const PARTITION = 'aws';

type Json = unknown;
type Resources = Record<string, { Type: string; Properties?: Record<string, Json> }>;

interface Names {
  readonly ref: string;
  readonly attrs: Record<string, string>;
}

/** The name CloudFormation would generate: `<logical id>` lower-cased where the service needs it. */
function physicalNames(logicalId: string, type: string, props: Record<string, Json>): Names {
  const name = (props.FunctionName ?? props.TopicName ?? props.QueueName ?? props.TableName ?? props.Name ?? props.RoleName) as
    | string
    | undefined;
  const n = typeof name === 'string' ? name : `rsched-${logicalId}`;
  const arn = (service: string, resource: string, region = REGION, account = ACCOUNT) =>
    `arn:${PARTITION}:${service}:${region}:${account}:${resource}`;
  switch (type) {
    case 'AWS::Lambda::Function':
      return { ref: n, attrs: { Arn: arn('lambda', `function:${n}`) } };
    case 'AWS::SNS::Topic':
      return { ref: arn('sns', n), attrs: { TopicName: n, TopicArn: arn('sns', n) } };
    case 'AWS::SQS::Queue':
      return {
        ref: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${n}`,
        attrs: { Arn: arn('sqs', n), QueueName: n, QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${n}` },
      };
    case 'AWS::DynamoDB::Table':
      return { ref: n, attrs: { Arn: arn('dynamodb', `table/${n}`) } };
    case 'AWS::S3::Bucket': {
      const b = n.toLowerCase();
      return { ref: b, attrs: { Arn: `arn:${PARTITION}:s3:::${b}`, DomainName: `${b}.s3.amazonaws.com` } };
    }
    case 'AWS::KMS::Key':
      return { ref: `key-${logicalId}`, attrs: { Arn: arn('kms', `key/key-${logicalId}`), KeyId: `key-${logicalId}` } };
    case 'AWS::IAM::Role':
      return { ref: n, attrs: { Arn: `arn:${PARTITION}:iam::${ACCOUNT}:role/${n}`, RoleId: `AROA${logicalId}` } };
    case 'AWS::IAM::InstanceProfile':
      return { ref: n, attrs: { Arn: `arn:${PARTITION}:iam::${ACCOUNT}:instance-profile/${n}` } };
    case 'AWS::Scheduler::ScheduleGroup':
      return { ref: n, attrs: { Arn: arn('scheduler', `schedule-group/${n}`) } };
    case 'AWS::Scheduler::Schedule':
      return { ref: n, attrs: { Arn: arn('scheduler', `schedule/default/${n}`) } };
    case 'AWS::Events::Rule':
      return { ref: n, attrs: { Arn: arn('events', `rule/${n}`) } };
    case 'AWS::Logs::LogGroup':
      return { ref: n, attrs: { Arn: arn('logs', `log-group:${n}:*`) } };
    case 'AWS::CloudWatch::Alarm':
      return { ref: n, attrs: { Arn: arn('cloudwatch', `alarm:${(props.AlarmName as string) ?? n}`) } };
    default:
      return { ref: n, attrs: {} };
  }
}

/** The template with every intrinsic resolved to concrete strings. */
export function resolveTemplate(template: { Resources: Resources }): Resources {
  const names = new Map<string, Names>();
  for (const [id, r] of Object.entries(template.Resources)) names.set(id, physicalNames(id, r.Type, r.Properties ?? {}));
  const pseudo: Record<string, string> = {
    'AWS::AccountId': ACCOUNT,
    'AWS::Region': REGION,
    'AWS::Partition': PARTITION,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'Rsched',
    'AWS::NoValue': '',
  };
  const resolve = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, Json>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const arg = o[k];
      if (k === 'Ref') {
        const ref = arg as string;
        if (ref in pseudo) return pseudo[ref];
        const n = names.get(ref);
        if (!n) throw new Error(`Ref to unknown ${ref}`);
        return n.ref;
      }
      if (k === 'Fn::GetAtt') {
        const [id, attr] = arg as [string, string];
        const value = names.get(id)?.attrs[attr];
        if (value === undefined) throw new Error(`Fn::GetAtt ${id}.${attr} is not modelled`);
        return value;
      }
      if (k === 'Fn::Join') {
        const [sep, parts] = resolve(arg) as [string, string[]];
        return parts.join(sep);
      }
      if (k === 'Fn::Select') {
        const [i, list] = resolve(arg) as [number | string, string[]];
        return list[Number(i)];
      }
      if (k === 'Fn::Split') {
        const [sep, s] = resolve(arg) as [string, string];
        return s.split(sep);
      }
    }
    return Object.fromEntries(Object.entries(o).map(([key, val]) => [key, resolve(val)]));
  };
  return resolve(template.Resources) as Resources;
}

export interface IamModel {
  readonly resources: Resources;
  /** Role ARN → its identity policies (inline policies and AWS::IAM::Policy attachments). */
  readonly identity: Map<string, { name: string; policy: Json }[]>;
  /** Role ARN → its trust policy. */
  readonly trust: Map<string, Json>;
  /** Topic, queue, key or function ARN → its resource policy. */
  readonly resourcePolicies: Map<string, { Version: string; Statement: Json[] }>;
  /** Logical id → resolved ARN (or name when the resource has no ARN). */
  readonly arnOf: (logicalId: string) => string;
}

export function iamModel(template: { Resources: Resources }): IamModel {
  const resources = resolveTemplate(template);
  const raw = template.Resources;
  const names = new Map<string, Names>();
  for (const [id, r] of Object.entries(raw)) names.set(id, physicalNames(id, r.Type, r.Properties ?? {}));
  const arnOf = (id: string) => {
    const n = names.get(id);
    if (!n) throw new Error(`no resource ${id}`);
    return n.attrs.Arn ?? n.attrs.TopicArn ?? n.ref;
  };
  const identity = new Map<string, { name: string; policy: Json }[]>();
  const trust = new Map<string, Json>();
  const resourcePolicies = new Map<string, { Version: string; Statement: Json[] }>();
  const roleArnByName = new Map<string, string>();
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::IAM::Role') continue;
    const arn = arnOf(id);
    roleArnByName.set(names.get(id)?.ref ?? '', arn);
    trust.set(arn, r.Properties?.AssumeRolePolicyDocument);
    const inline = (r.Properties?.Policies as { PolicyName: string; PolicyDocument: Json }[] | undefined) ?? [];
    identity.set(
      arn,
      inline.map((p) => ({ name: p.PolicyName, policy: p.PolicyDocument })),
    );
  }
  const addResourceStatements = (arn: string, statements: Json[]) => {
    const doc = resourcePolicies.get(arn) ?? { Version: '2012-10-17', Statement: [] };
    doc.Statement.push(...statements);
    resourcePolicies.set(arn, doc);
  };
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::IAM::Policy':
        for (const roleName of (p.Roles as string[] | undefined) ?? []) {
          const arn = roleArnByName.get(roleName);
          if (arn) identity.get(arn)?.push({ name: (p.PolicyName as string) ?? id, policy: p.PolicyDocument });
        }
        break;
      case 'AWS::SNS::TopicPolicy':
        for (const topic of p.Topics as string[]) addResourceStatements(topic, (p.PolicyDocument as { Statement: Json[] }).Statement);
        break;
      case 'AWS::SQS::QueuePolicy':
        for (const url of p.Queues as string[]) {
          const name = url.split('/').pop() as string;
          addResourceStatements(`arn:${PARTITION}:sqs:${REGION}:${ACCOUNT}:${name}`, (p.PolicyDocument as { Statement: Json[] }).Statement);
        }
        break;
      case 'AWS::KMS::Key':
        addResourceStatements(arnOf(id), (p.KeyPolicy as { Statement: Json[] }).Statement);
        break;
      case 'AWS::Lambda::Permission': {
        // What AddPermission writes into the function's resource policy.
        const fn = p.FunctionName as string;
        const fnArn = fn.startsWith('arn:') ? fn : `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${fn}`;
        const condition: Record<string, Record<string, string>> = {};
        if (p.SourceArn) condition.ArnLike = { 'AWS:SourceArn': p.SourceArn as string };
        if (p.SourceAccount) condition.StringEquals = { 'AWS:SourceAccount': p.SourceAccount as string };
        const principal = p.Principal as string;
        addResourceStatements(fnArn, [
          {
            Effect: 'Allow',
            Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
            Action: p.Action,
            Resource: fnArn,
            ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
          },
        ]);
        break;
      }
    }
  }
  return { resources, identity, trust, resourcePolicies, arnOf };
}

export interface Request {
  /** A role ARN, or a service principal such as `s3.amazonaws.com`. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  /** Account that owns the resource. @default ACCOUNT */
  readonly resourceAccount?: string;
}

/** Evaluates one request the way AWS does: the principal's identity policies and the resource's policy. */
export async function evaluate(model: IamModel, request: Request): Promise<string> {
  const isRole = request.principal.startsWith('arn:');
  const isAssume = request.action === 'sts:AssumeRole';
  const resourcePolicy = isAssume ? model.trust.get(request.resource) : model.resourcePolicies.get(request.resource);
  const simulation: Simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount ?? ACCOUNT },
      contextVariables: { ...(request.context ?? {}) },
    },
    identityPolicies: isRole ? (model.identity.get(request.principal) ?? []) : [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy ? { resourcePolicy } : {}),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') throw new Error(`simulation error: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}
