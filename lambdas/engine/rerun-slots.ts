import type { RunKey } from '../domain/runs/run';
import { TERMINAL_STATES } from '../domain/runs/states';
import { addMinutes } from '../ports/clock';
import type { EngineDeps } from './deps';

/**
 * The cap on late-data reruns running at once (`defaults.maxConcurrentReruns`,
 * docs/markers.md#late-data-onlateupstream). Each rerun holds one of N slots,
 * named store cursors moved only by conditional write (RunStore.moveCursor),
 * so two handlers never take the same slot. A slot needs no release on the
 * happy path: it is free again once the attempt it holds has ended (or a
 * newer attempt replaced it), which is read from the run itself; a claim whose
 * attempt never started (the rerun was refused or failed) is given back, and
 * one left by a handler that died lapses after the claim lease.
 */

/** Who holds a slot: the re-run job's run, the attempt the rerun starts, and when it was claimed. */
interface SlotHolder extends RunKey {
  readonly attempt: number;
  readonly at: string;
}

const FREE = 'free';
const slotName = (i: number) => `rerun-slot-${i}`;

function parseHolder(value: string | undefined): SlotHolder | undefined {
  if (value === undefined || value === FREE) return undefined;
  try {
    const h = JSON.parse(value) as SlotHolder;
    return typeof h.job === 'string' && typeof h.attempt === 'number' && typeof h.at === 'string' ? h : undefined;
  } catch {
    return undefined; // not ours to keep: a slot holding nothing readable is free
  }
}

/** Whether the rerun that holds the slot is still running (its attempt has not ended, or was claimed only just now). */
async function stillRunning(deps: EngineDeps, holder: SlotHolder): Promise<boolean> {
  const run = await deps.store.get(holder);
  if (run && run.attempt > holder.attempt) return false;
  if (run && run.attempt === holder.attempt) return !TERMINAL_STATES.includes(run.state);
  // The attempt was not started (yet): a claim of a handler still at work, or of one that died.
  return addMinutes(holder.at, deps.tuning.claimLeaseMinutes) > deps.clock.now();
}

/** A taken slot: `release` gives it back when the rerun did not start after all. */
export interface RerunSlot {
  release(): Promise<void>;
}

/**
 * Takes a slot for a rerun of `key` that will start `attempt`, or says there
 * is none (undefined): `maxConcurrentReruns` reruns are running. A slot this
 * very rerun already holds (a retried handler) is its own.
 */
export async function takeRerunSlot(deps: EngineDeps, key: RunKey, attempt: number): Promise<RerunSlot | undefined> {
  const holder: SlotHolder = { job: key.job, date: key.date, attempt, at: deps.clock.now().toISOString() };
  const value = JSON.stringify(holder);
  for (let i = 0; i < deps.dag.maxConcurrentReruns; i++) {
    const name = slotName(i);
    const current = await deps.store.getCursor(name);
    const held = parseHolder(current);
    const mine = held !== undefined && held.job === key.job && held.date === key.date && held.attempt === attempt;
    if (mine) return slot(deps, name, current as string);
    if (held && (await stillRunning(deps, held))) continue;
    if (await deps.store.moveCursor(name, current, value)) return slot(deps, name, value);
  }
  return undefined;
}

function slot(deps: EngineDeps, name: string, value: string): RerunSlot {
  return {
    release: async () => {
      await deps.store.moveCursor(name, value, FREE);
    },
  };
}
