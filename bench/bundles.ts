import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { serialiseConfigBundle } from '../lambdas/domain/config/bundle';
import { loadDag } from '../lambdas/domain/config/validate';
import { generateDagConfig } from './generate-dag';

export interface BundleFigures {
  readonly entry: string;
  readonly bytes: number;
  /** Time to load the bundle and build the handler in a fresh process (config parse included), median of 3. */
  readonly coldInitMs: Record<string, number>;
}

const ROOT = join(__dirname, '..');

/** Bundles every Lambda entry the way the stack does (minified, node24 as the nodejs24.x runtime, SDK bundled) and times its cold init. */
export async function measureBundles(configSizes: readonly number[]): Promise<BundleFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rsched-bundles-'));
  const entries = readdirSync(join(ROOT, 'lambdas', 'entry')).filter((f) => f.endsWith('.ts'));
  const configs = Object.fromEntries(
    configSizes.map((n) => {
      const file = join(dir, `config-${n}.json`);
      writeFileSync(file, serialiseConfigBundle(loadDag([{ path: 'bench.json', text: JSON.stringify(generateDagConfig(n)) }])));
      return [n, file];
    }),
  );
  const out: BundleFigures[] = [];
  for (const entry of entries) {
    const outfile = join(dir, entry.replace(/\.ts$/, '.js'));
    await build({
      entryPoints: [join(ROOT, 'lambdas', 'entry', entry)],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node24',
      outfile,
      logLevel: 'silent',
    });
    const coldInitMs: Record<string, number> = {};
    for (const [n, file] of Object.entries(configs)) {
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        const script = `const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
        const env = {
          ...process.env,
          RSCHED_CONFIG_FILE: file,
          RSCHED_RUNS_TABLE: 'runs',
          RSCHED_CLUSTERS_TABLE: 'clusters',
          RSCHED_ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:alerts',
          RSCHED_MARKER_BUCKET: 'markers',
          RSCHED_MARKER_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:markers',
          RSCHED_STACK_TAG: 'bench',
          RSCHED_EMR_SERVICE_ROLE: 'r',
          RSCHED_EMR_INSTANCE_PROFILE: 'p',
          AWS_REGION: 'us-east-1',
          RSCHED_SLACK_SECRET_ID: 'rsched/slack-webhook',
        };
        samples.push(Number(execFileSync(process.execPath, ['-e', script], { env }).toString()));
      }
      samples.sort((a, b) => a - b);
      coldInitMs[n] = Math.round(samples[1] as number);
    }
    out.push({ entry: entry.replace(/\.ts$/, ''), bytes: statSync(outfile).size, coldInitMs });
  }
  return out;
}
