import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ILocalBundling } from 'aws-cdk-lib';
import { type BuildOptions, buildSync } from 'esbuild';

/** The handler file every function's bundle starts from: `index.mjs`, exporting `handler`. */
export const HANDLER_FILE = 'index.mjs';

/**
 * CommonJS dependencies inside an ES module bundle still call `require` for
 * Node's built-ins; an ES module has none, so each chunk makes one.
 */
const REQUIRE_SHIM =
  "import{createRequire as __rschedCreateRequire}from'node:module';const require=__rschedCreateRequire(import.meta.url);";

/**
 * How every function is built: one ES module entry (`index.mjs`) plus the
 * chunks of its dynamic `import()`s, split by esbuild so that what an event
 * does not need is not even read at cold start (lambdas/runtime/lazy-targets.ts).
 * Minified, tree-shaken, the AWS SDK bundled (the pinned versions run, not the
 * runtime's), no source maps shipped (a map is larger than the code and Node
 * parses it at start with --enable-source-maps).
 *
 * Lambda runs `.mjs` handlers as ES modules ("Designating a function handler
 * as an ES module", AWS Lambda Developer Guide,
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#designate-es-module).
 * Exported for the benchmark, which measures exactly these bundles.
 */
export function esmBundleOptions(entry: string, outdir: string, target = 'node24'): BuildOptions {
  return {
    entryPoints: { index: entry },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target,
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    // ESM entry points first: lets esbuild tree-shake the AWS SDK.
    mainFields: ['module', 'main'],
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: REQUIRE_SHIM },
    logLevel: 'error',
  };
}

export interface EsmBundlingProps {
  /** Absolute path of the entry (lambdas/entry/<name>.ts). */
  readonly entry: string;
  /** Files copied into the bundle: source path → name in the bundle. @default - none */
  readonly extraFiles?: Readonly<Record<string, string>>;
  /** esbuild's target. @default 'node24' (the nodejs24.x runtime) */
  readonly target?: string;
}

/**
 * Local bundling for `Code.fromAsset`: esbuild's API in the CDK app's own
 * process (no Docker, no network). NodejsFunction cannot split code: it passes
 * esbuild `--outfile`, and splitting needs `outdir`.
 */
export class EsmBundling implements ILocalBundling {
  constructor(private readonly props: EsmBundlingProps) {}

  tryBundle(outputDir: string): boolean {
    buildSync(esmBundleOptions(this.props.entry, outputDir, this.props.target));
    for (const [source, name] of Object.entries(this.props.extraFiles ?? {})) copyFileSync(source, join(outputDir, name));
    return true;
  }
}
