import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { TableDesign } from '../lambdas/domain/table-design';
import { acknowledgeGuard, GUARD_RULES } from './guard';

/** The DynamoDB actions of the engine's adapters (DynamoRunStore, DynamoClusterRegistry): nothing else is granted. */
export const TABLE_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  readWrite: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
} as const;

export interface DesignedTableProps {
  /** Keys, indexes and TTL attribute, shared with the local emulators (lambdas/domain/table-design.ts). */
  readonly design: TableDesign;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default true when removalPolicy is RETAIN */
  readonly deletionProtection?: boolean;
}

/**
 * A table built from a TableDesign, so the stack and the emulators cannot
 * drift: string keys, every index projecting ALL, on-demand billing,
 * point-in-time recovery, TTL on the design's attribute.
 */
export class DesignedTable extends dynamodb.Table {
  public readonly design: TableDesign;

  constructor(scope: Construct, id: string, props: DesignedTableProps) {
    const { design } = props;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    super(scope, id, {
      partitionKey: { name: design.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: design.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: design.ttlAttribute,
      removalPolicy,
      deletionProtection: props.deletionProtection ?? removalPolicy === RemovalPolicy.RETAIN,
    });
    this.design = design;
    acknowledgeGuard(
      this,
      GUARD_RULES.tableKms,
      'DynamoDB encrypts every table at rest with an AWS owned key; the tables hold run states and cluster ids, no customer data, so a KMS key would add per-request KMS cost and a key policy every reader must pass.',
    );
    for (const index of design.indexes) {
      this.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: index.projection === 'KEYS_ONLY' ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.ALL,
      });
    }
  }

  /**
   * Grants `actions` on the table and on each of its indexes by name (never
   * `index/*`), so a policy shows exactly what a function may touch.
   */
  grantTableActions(grantee: iam.IGrantable, actions: readonly string[]): iam.Grant {
    const indexArns = this.design.indexes.map((i) => `${this.tableArn}/index/${i.name}`);
    return iam.Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: [this.tableArn, ...indexArns] });
  }
}
