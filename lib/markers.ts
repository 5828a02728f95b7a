import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MARKER_STATUSES } from '../lambdas/domain/markers';
import { ENV } from '../lambdas/runtime/env';
import { acknowledgeGuard, GUARD_RULES } from './guard';
import type { RschedFunction } from './lambda-defaults';
import { acknowledge, acknowledgeWildcardResource } from './nag';

/** The key suffixes the bucket notifies for: `.done` and `.failed`. */
export const MARKER_SUFFIXES: readonly string[] = MARKER_STATUSES.map((status) => `.${status}`);

export interface MarkersProps {
  /**
   * An existing bucket that receives the markers (notifications are added to
   * it; its other settings are left alone).
   * @default - a new bucket: versioned, encrypted, TLS-only, access-logged
   */
  readonly existingBucketName?: string;
  /** Encrypts the marker topic; a customer managed key, so S3 may use it. */
  readonly topicKey: kms.IKey;
  /** The scheduler function: subscribed to the topic, allowed to read marker objects. */
  readonly consumer: RschedFunction;
  /** Where SNS puts messages it could not deliver to the consumer. */
  readonly deadLetterQueue: sqs.IQueue;
  /** How long server access logs are kept. @default Duration.days(365) */
  readonly accessLogRetention?: Duration;
  /**
   * Jobs whose markers only named principals may write (`markers.writers` in
   * dag-config): everyone else is denied PutObject/DeleteObject on those keys.
   * @default - no job restricts its writers
   */
  readonly writers?: readonly MarkerWriters[];
}

/** One job's marker keys and the principals allowed to write them. */
export interface MarkerWriters {
  readonly job: string;
  /** The key prefix the job's markers must use ("" for the bucket's root). */
  readonly prefix: string;
  /** IAM principal ARNs; wildcards allowed. */
  readonly principals: readonly string[];
}

/**
 * Denies writing or deleting a job's markers to every principal that is not
 * one of its writers (docs/threat-model.md). A Deny with `ArnNotLike` on
 * `aws:PrincipalArn` (for an assumed role: the role's ARN, per the IAM global
 * condition keys reference) wins over any Allow in an identity policy.
 */
function denyOtherWriters(bucket: s3.IBucket, w: MarkerWriters, principals: readonly string[]): void {
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: `OnlyWritersOf${w.job.replace(/[^A-Za-z0-9]/g, '')}`,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject', 's3:DeleteObject'],
      resources: [bucket.arnForObjects(`${w.prefix}${w.job}__*`)],
      // Resolved at synth: the stack may add writers it creates itself (allowWriters).
      conditions: { ArnNotLike: { 'aws:PrincipalArn': Lazy.list({ produce: () => [...principals] }) } },
    }),
  );
}

/**
 * The marker path, S3 → SNS → scheduler: the bucket (created or imported),
 * object-created notifications for `.done` and `.failed` keys to an
 * encrypted topic, and the scheduler's subscription with a dead-letter queue.
 */
export class Markers extends Construct {
  public readonly bucket: s3.IBucket;
  /** The server access log bucket; only when the marker bucket is created here. */
  public readonly accessLogBucket?: s3.Bucket;
  public readonly topic: sns.Topic;
  public readonly subscription: sns.Subscription;
  /** Job → the principals allowed to write its markers (only jobs that restrict them). */
  private readonly writers = new Map<string, string[]>();

  /**
   * Lets `principalArns` write the markers of `jobs` too, whatever the jobs'
   * `markers.writers` say: writers the stack creates itself (the completion
   * function and the sweeper for jobs with completion "events",
   * docs/completion.md; the node role of a job's pool, docs/threat-model.md).
   * Jobs without writers need nothing. The Deny statements read the list at synth.
   */
  public allowWriters(jobs: readonly string[], principalArns: readonly string[]): void {
    for (const job of jobs) this.writers.get(job)?.push(...principalArns);
  }

  constructor(scope: Construct, id: string, props: MarkersProps) {
    super(scope, id);
    const retention = props.accessLogRetention ?? Duration.days(365);
    if (retention.toDays() < 1) throw new Error(`${id}: accessLogRetention must be at least one day`);

    if (props.existingBucketName) {
      this.bucket = s3.Bucket.fromBucketName(this, 'Bucket', props.existingBucketName);
    } else {
      // Markers and access logs are records of what ran: both buckets outlive the stack (RETAIN).
      this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
        encryption: s3.BucketEncryption.S3_MANAGED, // server access logging cannot deliver to SSE-KMS buckets
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        lifecycleRules: [{ expiration: retention }],
        removalPolicy: RemovalPolicy.RETAIN,
      });
      acknowledgeGuard(
        this.accessLogBucket,
        GUARD_RULES.bucketLogging,
        "This bucket receives the marker bucket's server access logs; logging it as well would log its own log deliveries.",
      );
      acknowledgeGuard(
        this.accessLogBucket,
        GUARD_RULES.bucketVersioning,
        'Access logs are written once by S3 and expire by lifecycle; versions would only keep expired logs longer.',
      );
      acknowledgeGuard(
        this.accessLogBucket,
        GUARD_RULES.bucketNotifications,
        'Nothing reacts to access-log objects; notifications would have no consumer.',
      );
      acknowledgeGuard(
        this.accessLogBucket,
        GUARD_RULES.bucketKms,
        'S3 server access logging cannot deliver to a bucket encrypted with SSE-KMS; SSE-S3 is the only encryption it accepts.',
      );
      acknowledge(
        this.accessLogBucket,
        'S1',
        "This bucket receives the marker bucket's server access logs; logging it as well would log its own log deliveries.",
      );
      this.bucket = new s3.Bucket(this, 'Bucket', {
        // SSE-S3: writers (EMR steps, pipelines, other systems) need s3:PutObject only, no key grants.
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        // Two simultaneous writes of one key can yield one notification unless the bucket is versioned.
        versioned: true,
        serverAccessLogsBucket: this.accessLogBucket,
        serverAccessLogsPrefix: 'markers/',
        lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
        removalPolicy: RemovalPolicy.RETAIN,
      });
      acknowledgeGuard(
        this.bucket,
        GUARD_RULES.bucketKms,
        'SSE-S3 on purpose: the jobs writing markers (EMR steps, pipelines, other systems) then need s3:PutObject only, no grant on a key.',
      );
      acknowledgeGuard(
        this.bucket,
        GUARD_RULES.bucketNotifications,
        "The notifications exist (.done and .failed to the marker topic) but CDK configures them through its BucketNotifications custom resource, which the rule cannot see in the bucket's properties.",
      );
    }
    for (const bucket of [this.bucket, this.accessLogBucket]) {
      if (!bucket) continue;
      acknowledgeGuard(
        bucket,
        GUARD_RULES.bucketObjectLock,
        'Markers are re-written by re-runs and both buckets expire objects by lifecycle; Object Lock would forbid exactly that (versioning already keeps overwritten markers for 90 days).',
      );
    }

    // Topic ids are unique in the stack: a function's subscription construct is named after its topic.
    this.topic = new sns.Topic(this, 'MarkerTopic', {
      displayName: 'reactive-scheduler markers',
      masterKey: props.topicKey,
      enforceSSL: true,
    });
    // Object-created only; the destination adds the topic policy for this bucket of this account and the key policy for S3.
    const destination = new MarkerTopicDestination(this.topic, props.topicKey);
    for (const suffix of MARKER_SUFFIXES) {
      this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, destination, { suffix });
    }
    this.subscription = this.topic.addSubscription(
      new subscriptions.LambdaSubscription(props.consumer, { deadLetterQueue: props.deadLetterQueue }),
    );

    // The scheduler trusts marker events only from this bucket and through this topic.
    props.consumer.addEnvironment(ENV.MARKER_BUCKET, this.bucket.bucketName);
    props.consumer.addEnvironment(ENV.MARKER_TOPIC_ARN, this.topic.topicArn);
    for (const w of props.writers ?? []) {
      const principals = [...w.principals];
      this.writers.set(w.job, principals);
      denyOtherWriters(this.bucket, w, principals);
    }

    // The scheduler reads marker bodies (params, meta), by version when the event names one.
    const role = props.consumer.executionRole;
    const markerObjects = MARKER_SUFFIXES.map((suffix) => this.bucket.arnForObjects(`*${suffix}`));
    iam.Grant.addToPrincipal({ grantee: role, actions: ['s3:GetObject', 's3:GetObjectVersion'], resourceArns: markerObjects });
    for (const arn of markerObjects) {
      acknowledgeWildcardResource(
        role,
        arn,
        'Marker keys are <any prefix><job>__<YYYYMMDD>.<status>, named by the jobs; reads are limited to the marker suffixes.',
      );
    }
    acknowledgeNotificationsHandler(Stack.of(this));
  }
}

/**
 * S3 → encrypted SNS topic. Unlike aws-s3-notifications' SnsDestination, the
 * topic policy also requires `aws:SourceAccount` = this account: S3 bucket
 * names are global, and AWS's "Granting permissions to publish event
 * notification messages to a destination"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html)
 * scopes the topic policy by both aws:SourceArn and aws:SourceAccount. The key
 * policy lets S3 use the topic's key for GenerateDataKey/Decrypt (SNS
 * "Key management", compatibility with AWS services); it is bound once per key.
 */
class MarkerTopicDestination implements s3.IBucketNotificationDestination {
  private keyBound = false;

  constructor(
    private readonly topic: sns.ITopic,
    private readonly key: kms.IKey,
  ) {}

  bind(scope: Construct, bucket: s3.IBucketRef): s3.BucketNotificationDestinationConfig {
    const s3Principal = new iam.ServicePrincipal('s3.amazonaws.com');
    const bucketArn = bucket.bucketRef.bucketArn;
    // S3 binds a destination once per bucket (aws-s3 caches the result), so this statement is added once.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [s3Principal],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { ArnLike: { 'aws:SourceArn': bucketArn }, StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
      }),
    );
    if (!this.keyBound) {
      this.keyBound = true;
      // As in AWS's examples for S3 → encrypted SNS (S3 User Guide walkthrough; SNS "Key management"): no source
      // conditions on the key statement. The account binding is on the topic policy above, which S3 must pass first;
      // a condition here that S3's KMS call might not carry would silently drop every marker.
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'MarkerBucketUseKey',
          principals: [s3Principal],
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: ['*'],
        }),
      );
    }
    return { arn: this.topic.topicArn, type: s3.BucketNotificationDestinationType.TOPIC, dependencies: [this.topic] };
  }
}

/**
 * aws-s3 configures bucket notifications through one custom-resource function
 * per stack (BucketNotificationsHandler…). Its policy is scoped to the bucket;
 * its role also carries the AWS managed basic execution policy, which only a
 * change in aws-cdk-lib could replace.
 */
function acknowledgeNotificationsHandler(stack: Stack): void {
  const handler = stack.node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
  if (!handler) return;
  acknowledgeGuard(
    handler,
    GUARD_RULES.lambdaVpc,
    "CDK's bucket-notifications custom resource calls only the S3 API, and only while the stack deploys.",
  );
  acknowledge(
    handler,
    'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    "CDK's S3 bucket-notifications custom resource writes its logs through AWSLambdaBasicExecutionRole (logs only); it runs only while the stack deploys.",
  );
}
