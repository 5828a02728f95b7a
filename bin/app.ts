/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`. Inputs come from cdk.json
 * context (see lib/context.ts); the dag-config is validated here with the
 * same code as `rsched validate`, and an invalid one stops synthesis with the
 * same messages and exit code 2.
 */

import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { dataPipelineAdvisory } from '../lambdas/domain/config/checks/data-pipeline';
import { ConfigInvalidError, formatIssue } from '../lambdas/domain/config/issues';
import { ContextInvalidError, readAppInputs } from '../lib/context';
import { loadDagConfig } from '../lib/dag-config';
import { ReactiveSchedulerStack } from '../lib/reactive-scheduler-stack';
import { DEFAULT_CONFIG_DIR } from './cli/config';

const EXIT_INVALID = 2;

function main(): void {
  const app = new App();
  const inputs = readAppInputs((key) => app.node.tryGetContext(key));
  const configDir = inputs.configDir ?? DEFAULT_CONFIG_DIR;
  let config: ReturnType<typeof loadDagConfig>;
  try {
    config = loadDagConfig(configDir);
  } catch (err) {
    if (err instanceof ConfigInvalidError) {
      for (const issue of err.issues) process.stderr.write(`${formatIssue(issue)}\n`);
      const errors = err.issues.filter((i) => i.severity === 'error').length;
      process.stderr.write(`${configDir}: invalid — ${errors} problem${errors === 1 ? '' : 's'}\n`);
    } else {
      // The directory is missing or not a directory (readConfigDir says which).
      process.stderr.write(`${(err as Error).message}\n`);
    }
    process.exit(EXIT_INVALID);
  }
  for (const warning of [...config.warnings, ...dataPipelineAdvisory(config.dag)]) process.stderr.write(`${formatIssue(warning)}\n`);

  new ReactiveSchedulerStack(app, inputs.stackName, {
    stackName: inputs.stackName,
    description: 'reactive-scheduler: S3 markers -> SNS -> Lambda scheduler for EMR steps and Data Pipeline jobs',
    config,
    markerBucketName: inputs.markerBucketName,
    alertEmails: inputs.alertEmails,
    slackWebhookSecret: inputs.slackWebhookSecret,
    chatbot: inputs.chatbot,
    emr: inputs.emr,
    retentionDays: inputs.retentionDays,
    markerWindow: inputs.markerWindow,
    lambdaDefaults: { reserveConcurrency: inputs.reserveConcurrency },
  });
  // cdk-nag AwsSolutions and CloudFormation Guard (the AWS Control Tower proactive controls, run by the
  // cfn-guard binary shipped in the npm package, offline): any unacknowledged finding fails synthesis.
  // Exceptions are acknowledged on their constructs, each with its reason (lib/nag.ts, lib/guard.ts).
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new CfnGuardValidator());
}

try {
  main();
} catch (err) {
  if (!(err instanceof ContextInvalidError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(EXIT_INVALID);
}
