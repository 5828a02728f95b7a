import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
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
  it('ships a minified ES module handler, its chunks and no source map, built by the local esbuild', () => {
    const files = readdirSync(bundleDir, { recursive: true, encoding: 'utf8' }).sort();
    expect(files).toContain(CONFIG_BUNDLE_FILE);
    expect(files).toContain('index.mjs');
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    // Lazy parts (each target's client, S3, SNS) are chunks of their own, loaded by import().
    const chunks = files.filter((f) => f.startsWith('chunks/') && f.endsWith('.mjs'));
    expect(chunks.length).toBeGreaterThan(3);
    const code = readFileSync(join(bundleDir, 'index.mjs'), 'utf8');
    expect(code.length / code.split('\n').length).toBeGreaterThan(1_000); // minified: long lines
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
    // What a cold start reads stays well under the 300 KB per function of issue 16 (bench/bundles.ts measures it).
    expect(statSync(join(bundleDir, 'index.mjs')).size).toBeLessThan(300_000);
  });

  it('runs as Lambda loads it: the handler and every chunk import as ES modules, the config read from LAMBDA_TASK_ROOT', () => {
    const files = readdirSync(bundleDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.mjs'));
    const urls = files.map((f) => pathToFileURL(join(bundleDir, f)).href);
    // Every chunk, the lazy ones included (each target's client, S3, SNS, cron): a CommonJS require left in one would throw here.
    const script = `for (const u of ${JSON.stringify(urls)}) await import(u);
      const { handler } = await import(${JSON.stringify(pathToFileURL(join(bundleDir, 'index.mjs')).href)});
      process.stdout.write(typeof handler);`;
    const env = {
      PATH: process.env.PATH,
      LAMBDA_TASK_ROOT: bundleDir,
      AWS_REGION: 'us-east-1',
      RSCHED_RUNS_TABLE: 'runs',
      RSCHED_CLUSTERS_TABLE: 'clusters',
      RSCHED_ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:alerts',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' })).toBe('function');
  });

  it('puts the dag-config bundle next to the handler, where the functions read it', () => {
    const shipped = readFileSync(join(bundleDir, CONFIG_BUNDLE_FILE));
    expect([...dagFromBundle(shipped).jobs.keys()].sort()).toEqual([...loadDagConfig(join(ROOT, 'dag-config')).dag.jobs.keys()].sort());
  });

  it('runs index.mjs on arm64 and Node.js 24', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Environment: {
        Variables: {
          // No source map ships, so nothing for --enable-source-maps to read.
          NODE_OPTIONS: Match.absent(),
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
