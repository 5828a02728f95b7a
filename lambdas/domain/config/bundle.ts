import type { Dag } from './dag';
import type { SourceFile } from './parse';
import { loadDag } from './validate';

/**
 * The config as shipped inside each Lambda bundle: the source files
 * themselves, so the function validates them with the same code as the CLI
 * (and messages still name the files).
 */
export const CONFIG_BUNDLE_FILE = 'dag-config.json';

export function serialiseConfigBundle(files: readonly SourceFile[]): string {
  return JSON.stringify({ version: 1, files });
}

export function dagFromBundle(text: string): Dag {
  const parsed = JSON.parse(text) as { version?: number; files?: SourceFile[] };
  if (parsed.version !== 1 || !Array.isArray(parsed.files)) throw new Error(`${CONFIG_BUNDLE_FILE} is not a config bundle of version 1`);
  return loadDag(parsed.files);
}
