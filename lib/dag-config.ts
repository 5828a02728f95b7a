import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_BUNDLE_FILE, serialiseConfigBundle } from '../lambdas/domain/config/bundle';
import type { Dag } from '../lambdas/domain/config/dag';
import { ConfigInvalidError, type ConfigIssue } from '../lambdas/domain/config/issues';
import { readConfigDir } from '../lambdas/domain/config/read-dir';
import { validateConfig } from '../lambdas/domain/config/validate';

/** The dag-config as synthesis uses it: the resolved DAG and the file every function bundle ships. */
export interface DagConfig {
  /** The directory it was read from, as given. */
  readonly dir: string;
  readonly dag: Dag;
  /** Warnings from validation (errors make loading fail). */
  readonly warnings: readonly ConfigIssue[];
  /**
   * A file holding the compiled config (`serialiseConfigBundle`), copied into a
   * function's bundle as `dag-config.json`. Content-addressed, so one config
   * always yields one path and the asset hash changes exactly when it does.
   */
  readonly bundleFile: string;
}

/**
 * Reads and validates `dir` with the same code as `rsched validate`.
 * Throws ConfigInvalidError listing every problem, or an Error when the
 * directory does not exist.
 */
export function loadDagConfig(dir: string): DagConfig {
  const files = readConfigDir(dir);
  const result = validateConfig(files);
  if (!result.dag) throw new ConfigInvalidError(result.issues);
  return { dir, dag: result.dag, warnings: result.issues, bundleFile: writeBundleFile(serialiseConfigBundle(result.dag)) };
}

/** Writes the bundle text once per content, atomically (parallel synths may race for the same path). */
function writeBundleFile(text: string): string {
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 24);
  const dir = join(tmpdir(), 'rsched-config', digest);
  const file = join(dir, CONFIG_BUNDLE_FILE);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, text);
    renameSync(partial, file);
  }
  return file;
}
