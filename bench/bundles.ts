import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { serialiseConfigBundle } from '../lambdas/domain/config/bundle';
import { loadDag } from '../lambdas/domain/config/validate';
import { esmBundleOptions, HANDLER_FILE } from '../lib/esm-bundle';
import { generateDagConfig } from './generate-dag';

export interface BundleFigures {
  readonly entry: string;
  /** Every file of the bundle: the handler and all its chunks. */
  readonly totalBytes: number;
  /** What a cold start reads: the handler and the chunks it imports statically (not those behind `import()`). */
  readonly initialBytes: number;
  /** The code's deployment package as a .zip of those files would be (deflate, level 9, zip headers; the config bundle comes on top). */
  readonly zipBytes: number;
  readonly chunks: number;
  /** Time to import the handler in a fresh process (config parsed, dependencies built), median of `samples`, by config size. */
  readonly coldInitMs: Record<string, number>;
  /** The 1-minute load average while the cold inits were measured: above the core count, the figures are noisy. */
  readonly loadAverage: number;
  /** Of `initialBytes`, the AWS SDK's code (@aws-sdk, @smithy, @aws). */
  readonly sdkInitialBytes: number;
  /** The same entry built with the Lambda runtime's SDK instead (`@aws-sdk/*` and `@smithy/*` external): what the goal would take. */
  readonly runtimeSdk: {
    readonly initialBytes: number;
    readonly totalBytes: number;
    /** Cold init with the SDK loaded unbundled from node_modules, as the runtime's copy is, largest config only. */
    readonly coldInitMs: number;
  };
}

/** The SDK's packages: what the nodejs runtimes ship in /var/runtime/node_modules. */
const SDK_PACKAGES = /node_modules\/(@aws-sdk|@smithy|@aws)\//;
const RUNTIME_SDK_EXTERNALS = ['@aws-sdk/*', '@smithy/*', '@aws/*'];

const ROOT = join(__dirname, '..');

/** The environment the stack gives a function, with placeholder resource names (nothing is called at init). */
const LAMBDA_ENV = {
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

/** Size of a zip archive holding `files` deflated: each entry's data, its local header (30 + name) and central record (46 + name), plus the end record (22). */
function zipSize(dir: string, files: readonly string[]): number {
  let size = 22;
  for (const file of files) {
    const name = Buffer.byteLength(file);
    size += deflateRawSync(readFileSync(join(dir, file)), { level: 9 }).length + 30 + 46 + 2 * name;
  }
  return size;
}

/** The outputs a cold start loads: the entry and, transitively, what it imports statically. */
function initialOutputs(metafile: Metafile, entryOutput: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entryOutput];
  while (queue.length > 0) {
    const output = queue.pop() as string;
    if (seen.has(output)) continue;
    seen.add(output);
    for (const imported of metafile.outputs[output]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) queue.push(imported.path);
    }
  }
  return seen;
}

/** Bytes the SDK's modules take in these outputs, as esbuild accounts them (each input's bytes in each output). */
function sdkBytes(metafile: Metafile, outputs: Iterable<string>): number {
  let bytes = 0;
  for (const output of outputs)
    for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[output]?.inputs ?? {}))
      if (SDK_PACKAGES.test(input)) bytes += bytesInOutput;
  return bytes;
}

/** Time to import a handler in a fresh Node process (what Lambda's init phase runs, minus the runtime's own start), median of `samples`. */
function coldInit(handlerFile: string, configFile: string, samples: number, loads: number[]): number {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const url = pathToFileURL(handlerFile).href;
    const script = `const t=performance.now();await import(${JSON.stringify(url)});process.stdout.write(String(performance.now()-t))`;
    const env = { ...process.env, ...LAMBDA_ENV, RSCHED_CONFIG_FILE: configFile };
    loads.push(loadavg()[0] as number);
    times.push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env }).toString()));
  }
  return Math.round(median(times));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export interface BundleOptions {
  /** Config sizes (jobs) to time cold init with. */
  readonly configSizes: readonly number[];
  /** Fresh processes per entry and config size; the median is reported. @default 5 */
  readonly samples?: number;
  /** Only these entries (lambdas/entry/<name>.ts). @default every entry */
  readonly entries?: readonly string[];
}

/**
 * Bundles every Lambda entry exactly as the stack does (lib/esm-bundle.ts:
 * ES module, split, minified, node24) and times its cold init: a fresh Node
 * process imports the handler, which reads the config bundle and builds its
 * dependencies — what Lambda's init phase runs, minus the runtime's own start.
 */
export async function measureBundles(options: BundleOptions): Promise<BundleFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rsched-bundles-'));
  const entries = readdirSync(join(ROOT, 'lambdas', 'entry'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, ''))
    .filter((name) => !options.entries || options.entries.includes(name));
  const configs = Object.fromEntries(
    options.configSizes.map((n) => {
      const file = join(dir, `config-${n}.json`);
      writeFileSync(file, serialiseConfigBundle(loadDag([{ path: 'bench.json', text: JSON.stringify(generateDagConfig(n)) }])));
      return [n, file];
    }),
  );
  // The runtime-SDK builds must resolve the SDK from this repository's node_modules: built inside it, never committed.
  const externalDir = mkdtempSync(join(ROOT, 'node_modules', '.rsched-bench-'));
  const largest = String(Math.max(...options.configSizes));
  const samples = options.samples ?? 5;
  const out: BundleFigures[] = [];
  try {
    for (const entry of entries) {
      const source = join(ROOT, 'lambdas', 'entry', `${entry}.ts`);
      const outdir = join(dir, entry);
      const { metafile, outputs, initial, bytes } = await measuredBuild(source, outdir, []);
      const coldInitMs: Record<string, number> = {};
      const loads: number[] = [];
      for (const [n, file] of Object.entries(configs)) coldInitMs[n] = coldInit(join(outdir, HANDLER_FILE), file, samples, loads);
      const runtimeOutdir = join(externalDir, entry);
      const runtime = await measuredBuild(source, runtimeOutdir, RUNTIME_SDK_EXTERNALS);
      out.push({
        entry,
        totalBytes: bytes(outputs),
        initialBytes: bytes(initial),
        zipBytes: zipSize(
          outdir,
          outputs.map((o) => relative(outdir, o)),
        ),
        chunks: outputs.length - 1,
        coldInitMs,
        loadAverage: Math.round(median(loads) * 10) / 10,
        sdkInitialBytes: sdkBytes(metafile, initial),
        runtimeSdk: {
          initialBytes: runtime.bytes(runtime.initial),
          totalBytes: runtime.bytes(runtime.outputs),
          coldInitMs: coldInit(join(runtimeOutdir, HANDLER_FILE), configs[largest] as string, samples, []),
        },
      });
    }
  } finally {
    rmSync(externalDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** One entry built as the stack builds it (lib/esm-bundle.ts), with these packages left external. */
async function measuredBuild(source: string, outdir: string, external: string[]) {
  const result = await build({ ...esmBundleOptions(source, outdir), external, metafile: true });
  const metafile = result.metafile as Metafile;
  const outputs = Object.keys(metafile.outputs);
  const handler = outputs.find((o) => relative(outdir, o) === HANDLER_FILE) as string;
  return {
    metafile,
    outputs,
    initial: initialOutputs(metafile, handler),
    bytes: (files: Iterable<string>) => [...files].reduce((sum, o) => sum + (metafile.outputs[o]?.bytes ?? 0), 0),
  };
}
