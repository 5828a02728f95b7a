import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssue } from '../../lambdas/domain/config/issues';
import { readConfigDir } from '../../lambdas/domain/config/read-dir';
import { validateConfig } from '../../lambdas/domain/config/validate';
import { CONTEXT_KEYS } from '../../lib/context';

const ROOT = join(__dirname, '..', '..');
const CDK_CONTEXT = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context;
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs bin/app.ts the way `cdk synth` does: the CLI passes context and the
 * output directory through CDK_CONTEXT_JSON and CDK_OUTDIR. No credentials.
 */
function synthApp(context: Record<string, unknown>) {
  const outdir = mkdtempSync(join(tmpdir(), 'rsched-app-'));
  outdirs.push(outdir);
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_CONTEXT, ...context }) };
  for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete env[name];
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'app.ts')], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    // cfn-guard's Control Tower rules over the whole template take 20 s on a quiet 2-core machine and several
    // times that while the rest of the suite runs beside it.
    timeout: 400_000,
  });
  return { status: run.status, stderr: run.stderr, outdir };
}

describe('the CDK app (bin/app.ts)', () => {
  it('fails synthesis on an invalid dag-config with the messages of `rsched validate`, and exit code 2', () => {
    const dir = join('test', 'cdk', 'fixtures', 'invalid');
    const run = synthApp({ [CONTEXT_KEYS.configDir]: dir });
    const expected = validateConfig(readConfigDir(join(ROOT, dir)))
      .issues.filter((issue) => issue.severity === 'error')
      .map((issue) => formatIssue({ ...issue, file: join(dir, 'jobs.json') }));
    expect(expected).toHaveLength(2);
    expect(run.status).toBe(2);
    for (const line of expected) expect(run.stderr).toContain(line);
    expect(run.stderr).toContain(`${dir}: invalid — 2 problems`);
    expect(existsSync(join(run.outdir, 'manifest.json'))).toBe(false);
  });

  it('rejects bad context values before building anything', () => {
    const run = synthApp({ [CONTEXT_KEYS.alertEmails]: 'not-an-address' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('rsched:alertEmails: "not-an-address" is not an e-mail address');
  });

  it('synthesizes the repository config offline, with cdk-nag and CloudFormation validation on', () => {
    // Bundling is covered by lambda-defaults.test.ts; skipping it here keeps this test to a few seconds.
    const run = synthApp({ 'aws:cdk:bundling-stacks': [] });
    expect(run.stderr).not.toMatch(/AwsSolutions-/);
    expect(run.status).toBe(0);
    const template = JSON.parse(readFileSync(join(run.outdir, 'ReactiveScheduler.template.json'), 'utf8'));
    expect(Object.keys(template.Outputs)).toContain('MarkerBucketName');
    // cdk-nag AwsSolutions and CloudFormation Guard (Control Tower proactive controls) both ran and passed: every
    // exception is acknowledged with a reason. The one warning is the EMR subnet annotation (no subnet in the example).
    const report = JSON.parse(readFileSync(join(run.outdir, 'validation-report.json'), 'utf8'));
    const byPlugin = Object.fromEntries(
      report.pluginReports.map((r: { pluginName: string; conclusion: string; violations: { ruleName: string }[] }) => [
        r.pluginName,
        { conclusion: r.conclusion, violations: r.violations.map((v) => v.ruleName) },
      ]),
    );
    expect(byPlugin['cdk-validator-cfnguard']).toEqual({ conclusion: 'success', violations: [] });
    expect(JSON.stringify(byPlugin['Construct Annotations']?.violations)).toContain('emrSubnetMissing');
    expect(run.stderr).toContain('rsched:emrSubnetId is empty');
    const suppressed = report.pluginReports.flatMap((r: { suppressedViolations?: { ruleName: string }[] }) =>
      (r.suppressedViolations ?? []).map((v) => v.ruleName),
    );
    expect(suppressed).toContain('lambda_inside_vpc_check');
  }, 420_000);
});
