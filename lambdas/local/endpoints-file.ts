import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LocalEndpoints } from './runtime';
import type { ClockSpec } from './timeline';

/**
 * `.rsched/endpoints.json`: where a running `rsched dev` listens (SPEC §7:
 * region, s3, dynamodb, bucket, ui), plus what `--local` commands need to act
 * exactly as the dev runtime does (tables, control plane, its clock).
 */
export interface EndpointsFile {
  readonly region: string;
  readonly s3: string;
  readonly dynamodb: string;
  readonly bucket: string;
  /** The web UI's plain address ('' without a UI). */
  readonly ui: string;
  /**
   * The token the UI needs for changes ('' without a UI): open `<ui>#token=<uiToken>`.
   * A secret, so the file is readable by its owner only.
   */
  readonly uiToken: string;
  readonly controlPlane: string;
  readonly tables: LocalEndpoints['tables'];
  readonly clock: ClockSpec;
  readonly configDir: string;
  readonly pid: number;
  readonly startedAt: string;
}

export const STATE_DIR = '.rsched';

export function endpointsPath(stateDir = STATE_DIR): string {
  return join(stateDir, 'endpoints.json');
}

export function writeEndpoints(file: EndpointsFile, stateDir = STATE_DIR): string {
  const path = endpointsPath(stateDir);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  // The mode applies only when the file is created; one left by an earlier dev keeps its own.
  chmodSync(path, 0o600);
  return path;
}

export function readEndpoints(stateDir = STATE_DIR): EndpointsFile | undefined {
  const path = endpointsPath(stateDir);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as EndpointsFile;
}

/**
 * True while the process that wrote `file` is alive. An endpoints file left
 * by a dev that was killed (not stopped with Ctrl-C) names a dead pid.
 */
export function isRunning(file: EndpointsFile): boolean {
  try {
    process.kill(file.pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The address to open the dev's web UI at, token included ('' without a UI). */
export function uiLink(file: Pick<EndpointsFile, 'ui' | 'uiToken'>): string {
  if (!file.ui) return '';
  return file.uiToken ? `${file.ui}#token=${file.uiToken}` : file.ui;
}

export function removeEndpoints(stateDir = STATE_DIR): void {
  rmSync(endpointsPath(stateDir), { force: true });
}
