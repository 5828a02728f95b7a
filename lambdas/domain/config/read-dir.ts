import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { SourceFile } from './parse';

/** Files ending in `.schema.json` are the generated JSON Schema, not config. */
export const SCHEMA_FILE_SUFFIX = '.schema.json';

/** Every `*.json` under `dir`, recursively, in path order (so merges and messages are stable). */
export function readConfigDir(dir: string): SourceFile[] {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(dir);
  } catch {
    throw new Error(`config directory "${dir}" does not exist`);
  }
  if (!stat.isDirectory()) throw new Error(`config path "${dir}" is not a directory`);
  const files: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.json') && !entry.name.endsWith(SCHEMA_FILE_SUFFIX)) files.push(full);
    }
  };
  walk(dir);
  files.sort();
  // Paths are shown as the user wrote the directory, e.g. dag-config/jobs/nightly.json.
  return files.map((path) => ({ path: join(dir, relative(dir, path)), text: readFileSync(path, 'utf8') }));
}
