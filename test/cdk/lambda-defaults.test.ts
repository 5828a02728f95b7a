import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_BUNDLE_FILE, dagFromBundle } from '../../lambdas/domain/config/bundle';
import { loadDagConfig } from '../../lib/dag-config';
import { RschedFunction } from '../../lib/lambda-defaults';
import { CDK_CONTEXT, ROOT } from './support';

// The one place where esbuild really runs: a single function, bundled locally (no Docker).
let app: App;
let fn: RschedFunction;
let bundleDir: string;
let template: Template;
beforeAll(() => {
  app = new App({ context: CDK_CONTEXT, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Bundling');
  fn = new RschedFunction(stack, 'Sweeper', {
    entry: 'sweeper',
    description: 'bundling test',
    timeout: Duration.seconds(30),
    defaults: {},
    configBundleFile: loadDagConfig(join(ROOT, 'dag-config')).bundleFile,
    async: { retryAttempts: 0, maxEventAge: Duration.minutes(1) },
  });
  template = Template.fromStack(stack);
  bundleDir = join(app.outdir, (fn.node.findChild('Code') as Asset).assetPath);
}, 120_000);
afterAll(() => rmSync(app.outdir, { recursive: true, force: true }));

describe('RschedFunction bundling', () => {
  it('ships a minified CommonJS bundle with its source map, built by the local esbuild', () => {
    const files = readdirSync(bundleDir).sort();
    expect(files).toEqual([CONFIG_BUNDLE_FILE, 'index.js', 'index.js.map']);
    const code = readFileSync(join(bundleDir, 'index.js'), 'utf8');
    expect(code.length / code.split('\n').length).toBeGreaterThan(1_000); // minified: long lines
    // The AWS SDK is bundled (pinned versions), yet the whole bundle stays small.
    expect(statSync(join(bundleDir, 'index.js')).size).toBeLessThan(2_000_000);
  });

  it('puts the dag-config bundle next to the handler, where lambdaEngineDeps reads it', () => {
    const shipped = readFileSync(join(bundleDir, CONFIG_BUNDLE_FILE), 'utf8');
    expect([...dagFromBundle(shipped).jobs.keys()].sort()).toEqual([...loadDagConfig(join(ROOT, 'dag-config')).dag.jobs.keys()].sort());
  });

  it('runs on arm64 and Node.js 24 with source maps enabled', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'rsched-sweeper',
          POWERTOOLS_METRICS_NAMESPACE: 'ReactiveScheduler',
        },
      },
    });
  });

  it('gives the function a role that may write to its own log group and nothing else', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    expect(policies[0]?.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SweeperLogs/), 'Arn'] },
      },
    ]);
    expect(existsSync(bundleDir)).toBe(true);
  });
});
