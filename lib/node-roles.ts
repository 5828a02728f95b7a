import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Dag, Job } from '../lambdas/domain/config/dag';
import { nodeRoleKey } from '../lambdas/domain/fleet/node-roles';
import { CONTEXT_KEYS, type EmrInputs } from './context';
import { MARKER_SUFFIXES } from './markers';
import { acknowledgeWildcardResource } from './nag';

/** The EC2 instance profile of the clusters serving one set of pools, and its role. */
export interface NodeRole {
  /** nodeRoleKey of the pools. */
  readonly key: string;
  readonly pools: readonly string[];
  readonly role: iam.IRole;
  readonly instanceProfile: iam.IInstanceProfile;
}

/**
 * IAM counts at most 10,240 characters (no white space) of inline policy per
 * role ("IAM and AWS STS quotas", IAM User Guide). The marker grant of one
 * role stays under this share of it, leaving room for logs and data buckets.
 */
const MARKER_GRANT_BUDGET = 6_000;
/** What one resource ARN adds besides its key pattern: `"arn:aws:s3:::<bucket, up to 63>/",`. */
const ARN_OVERHEAD = 80;

/** A construct id for a pool set: pool names are lower case, so `X<hex>` and `And` cannot collide with them. */
function idOf(key: string): string {
  return key
    .split('+')
    .map((pool) => pool.replace(/[^a-z0-9]/g, (c) => `X${c.charCodeAt(0).toString(16)}`))
    .join('And');
}

/**
 * The object keys of a job's markers, as IAM resource patterns. `?` matches
 * exactly one character and `*` any run of them, `/` included ("IAM JSON
 * policy elements: Resource", "Using wildcards in resource ARNs"): eight `?`
 * are the YYYYMMDD of the key, so no pattern also covers another job's key
 * (a `*` there would let `x__1/other__20261201.done` through). A job with a
 * declared `markers.prefix` has one place; one without may write at the
 * bucket's root or after any `/` (a prefix glued to the name, `prod-job__…`,
 * is not covered: declare the prefix).
 */
export function markerKeyPatterns(job: Job): string[] {
  const places = job.markers.prefix !== undefined ? [job.markers.prefix] : ['', '*/'];
  return places.flatMap((place) => MARKER_SUFFIXES.map((suffix) => `${place}${job.name}__????????${suffix}`));
}

/**
 * The node roles of the fleet (docs/fleet.md, "Roles"). Created: one role and
 * instance profile per set of pools the clusters serve, each allowed to write
 * only the markers of the emr-step jobs of those pools, plus EMR's logs and
 * the operator's data buckets. Imported (rsched:emrInstanceProfileName): that
 * one profile for every cluster, with whatever it may do.
 */
export class NodeRoles extends Construct {
  public readonly all: readonly NodeRole[];
  private readonly byKey: ReadonlyMap<string, NodeRole>;

  constructor(scope: Construct, id: string, props: { readonly dag: Dag; readonly emr: EmrInputs; readonly markerBucket: s3.IBucket }) {
    super(scope, id);
    const { dag, emr } = props;
    if (emr.instanceProfileName) {
      const instanceProfile = iam.InstanceProfile.fromInstanceProfileName(this, 'InstanceProfile', emr.instanceProfileName);
      const role = iam.Role.fromRoleName(this, 'InstanceRole', emr.instanceRoleName ?? emr.instanceProfileName, { mutable: false });
      const pools = [...dag.clustersByPool.keys()].sort();
      this.all = [{ key: '*', pools, role, instanceProfile }];
      this.byKey = new Map();
      return;
    }
    const poolSets = new Map<string, readonly string[]>();
    for (const cluster of dag.clusters.values()) poolSets.set(nodeRoleKey(cluster.pools), [...cluster.pools].sort());
    this.all = [...poolSets].sort(([a], [b]) => a.localeCompare(b)).map(([key, pools]) => this.createRole(key, pools, props));
    this.byKey = new Map(this.all.map((r) => [r.key, r]));
  }

  /** The role of the clusters serving `pools`. */
  forPools(pools: readonly string[]): NodeRole {
    const shared = this.all[0];
    if (this.byKey.size === 0 && shared) return shared;
    const role = this.byKey.get(nodeRoleKey(pools));
    if (!role) throw new Error(`no node role for pools ${nodeRoleKey(pools)}`);
    return role;
  }

  /** Whether each pool set has its own created role (else one imported profile serves every cluster). */
  get perPools(): boolean {
    return this.byKey.size > 0;
  }

  private createRole(key: string, pools: readonly string[], props: { dag: Dag; emr: EmrInputs; markerBucket: s3.IBucket }): NodeRole {
    const stack = Stack.of(this);
    const id = idOf(key);
    const role = new iam.Role(this, `Role${id}`, {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Nodes of the ${stack.stackName} EMR clusters serving pools ${pools.join(', ')}`,
    });
    const jobs = [...props.dag.jobs.values()].filter((job) => job.pool !== undefined && pools.includes(job.pool));
    const patterns = jobs.flatMap(markerKeyPatterns);
    const wide = patterns.reduce((n, p) => n + p.length + ARN_OVERHEAD, 0) > MARKER_GRANT_BUDGET;
    if (wide) {
      Annotations.of(this).addWarningV2(
        'rsched:nodeRoleMarkersWide',
        `The ${jobs.length} jobs of pools ${pools.join(', ')} have more marker keys than one role's policy can name (IAM allows 10,240 characters of inline policy per role): their nodes may write any marker. Split the pools, or give their jobs a common markers.prefix and list writers (docs/markers.md).`,
      );
    }
    const markers = (wide ? MARKER_SUFFIXES.map((suffix) => `*${suffix}`) : patterns).map((p) => props.markerBucket.arnForObjects(p));
    if (markers.length > 0) {
      iam.Grant.addToPrincipal({ grantee: role, actions: ['s3:PutObject'], resourceArns: markers });
      for (const arn of markers) {
        acknowledgeWildcardResource(
          role,
          arn,
          `Steps of pools ${pools.join(', ')} announce their result with <job>__<YYYYMMDD>.done or .failed; the pattern covers only their own jobs' markers.`,
        );
      }
    }
    const { emr } = props;
    if (emr.logUri) {
      const logs = `arn:${stack.partition}:s3:::${emr.logUri.slice('s3://'.length)}*`;
      iam.Grant.addToPrincipal({ grantee: role, actions: ['s3:PutObject'], resourceArns: [logs] });
      acknowledgeWildcardResource(role, logs, 'EMR names its log objects per cluster, node and step under the configured log URI.');
    }
    // The jobs' own code and data (context rsched:emrInstanceDataBuckets / rsched:emrInstanceManagedPolicyArns).
    for (const name of emr.instanceDataBuckets ?? []) {
      const bucket = `arn:${stack.partition}:s3:::${name}`;
      iam.Grant.addToPrincipal({ grantee: role, actions: ['s3:ListBucket'], resourceArns: [bucket] });
      iam.Grant.addToPrincipal({ grantee: role, actions: ['s3:GetObject', 's3:PutObject'], resourceArns: [`${bucket}/*`] });
      acknowledgeWildcardResource(
        role,
        `${bucket}/*`,
        `The jobs on the clusters read their code and read and write their data in ${name}, a bucket the operator named in ${CONTEXT_KEYS.emrInstanceDataBuckets}.`,
      );
    }
    for (const [i, arn] of (emr.instanceManagedPolicyArns ?? []).entries()) {
      role.addManagedPolicy(iam.ManagedPolicy.fromManagedPolicyArn(this, `DataPolicy${id}${i}`, arn));
    }
    const instanceProfile = new iam.InstanceProfile(this, `InstanceProfile${id}`, { role });
    return { key, pools, role, instanceProfile };
  }
}
