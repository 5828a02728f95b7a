import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { DataPipelineSnapshot } from './datapipeline-simulator';
import type { EmrSnapshot } from './emr-simulator';
import type { ServiceSnapshots } from './service-simulators';
import type { SubmissionSnapshot } from './submission-log';

/**
 * What the simulated control planes know, kept beside the emulators' state in
 * `.rsched/control-plane.json` so that a restarted `rsched dev` still knows the
 * clusters the registry recorded (and never hands out one of their ids again):
 * docs/local.md#dev.
 */
export interface ControlPlaneSnapshot {
  readonly version: 1;
  readonly emr: EmrSnapshot;
  readonly dataPipeline: DataPipelineSnapshot;
  readonly submissions: SubmissionSnapshot;
  /** Absent in files written before the serverless targets existed. */
  readonly services?: ServiceSnapshots;
}

export const CONTROL_PLANE_FILE = 'control-plane.json';

export class ControlPlaneStateFile {
  constructor(readonly path: string) {}

  load(): ControlPlaneSnapshot | undefined {
    if (!existsSync(this.path)) return undefined;
    const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as ControlPlaneSnapshot;
    if (parsed.version !== 1)
      throw new Error(`${this.path}: unknown version ${String(parsed.version)}; start afresh with rsched dev --reset`);
    return parsed;
  }

  /** Written whole and renamed into place, so a crash never leaves half a file. */
  save(snapshot: ControlPlaneSnapshot): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(snapshot));
    renameSync(tmp, this.path);
  }
}
