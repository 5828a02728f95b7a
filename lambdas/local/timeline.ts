import type { Clock } from '../ports/clock';
import { seededRandom, shuffleInPlace } from './random';

/**
 * Time for the local runtime: a clock that also runs tasks at given instants.
 * Every handler invocation, simulated job and delivery is a task.
 */
export interface Timeline extends Clock {
  /** Runs `task` at `at` (at once if `at` has passed). */
  schedule(at: Date, label: string, task: () => Promise<void>): void;
  /** Runs `task` now. */
  spawn(label: string, task: () => Promise<void>): void;
  /** Seeded randomness for delivery order and delays. */
  random(): number;
  /** Errors thrown by tasks (the runtime wraps handlers, so these are bugs). */
  readonly errors: { label: string; error: unknown }[];
}

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly label: string;
  readonly task: () => Promise<void>;
  /** Resumes a sleeping task rather than starting a new one. */
  readonly wake?: () => void;
}

/**
 * Virtual time that jumps when everything waits: tasks due at the same instant
 * run concurrently (optionally in shuffled order); the clock moves to the next
 * due instant only once every task has finished or is asleep.
 */
export class VirtualTimeline implements Timeline {
  readonly errors: { label: string; error: unknown }[] = [];
  private nowMs: number;
  private queue: Entry[] = [];
  private seq = 0;
  private busy = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly rand: () => number;

  constructor(
    start: Date,
    private readonly opts: { seed?: number; shuffle?: boolean } = {},
  ) {
    this.nowMs = start.getTime();
    this.rand = seededRandom(opts.seed ?? 1);
  }

  now(): Date {
    return new Date(this.nowMs);
  }

  random(): number {
    return this.rand();
  }

  get pending(): number {
    return this.queue.length;
  }

  schedule(at: Date, label: string, task: () => Promise<void>): void {
    this.enqueue({ at: Math.max(at.getTime(), this.nowMs), seq: this.seq++, label, task });
  }

  private enqueue(entry: Entry): void {
    // Binary insertion keeps the queue ordered by (at, seq).
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.queue[mid] as Entry;
      if (m.at < entry.at || (m.at === entry.at && m.seq < entry.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, entry);
  }

  spawn(label: string, task: () => Promise<void>): void {
    this.busy++;
    Promise.resolve()
      .then(task)
      .catch((error) => this.errors.push({ label, error }))
      .finally(() => this.release());
  }

  /** A sleeping task does not hold time back; it is busy again once woken. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.busy++;
        resolve();
      };
      this.enqueue({ at: this.nowMs + Math.max(0, ms), seq: this.seq++, label: 'wake', task: async () => {}, wake });
      this.release();
    });
  }

  private release(): void {
    this.busy--;
    if (this.busy === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Resolves once no task runs (I/O callbacks of the emulators included). */
  async settle(): Promise<void> {
    for (;;) {
      if (this.busy === 0) {
        await new Promise((r) => setImmediate(r));
        if (this.busy === 0) return;
      }
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
  }

  /**
   * Runs until nothing is left to do, or the next task is after `until`.
   * `onIdle` runs whenever everything waits, before time moves on; it may
   * schedule more tasks (the sweeper uses it to sleep until work is due).
   */
  async run(opts: { until?: Date; onIdle?: () => Promise<void> } = {}): Promise<void> {
    for (;;) {
      await this.settle();
      if (opts.onIdle) {
        await opts.onIdle();
        await this.settle();
      }
      const first = this.queue[0];
      if (!first || (opts.until && first.at > opts.until.getTime())) return;
      this.nowMs = Math.max(this.nowMs, first.at);
      let count = 0;
      while (count < this.queue.length && (this.queue[count] as Entry).at === first.at) count++;
      const batch = this.queue.splice(0, count);
      if (this.opts.shuffle) shuffleInPlace(batch, this.rand);
      for (const entry of batch) {
        if (entry.wake) entry.wake();
        else this.spawn(entry.label, entry.task);
      }
    }
  }
}

/**
 * Wall-clock time, optionally accelerated: one real second is `speed`
 * simulated seconds. The clock stands still at its start instant until
 * start(), so setting up the emulators does not eat an accelerated clock's
 * time and schedules armed during setup fire at their exact instants.
 */
export class RealTimeline implements Timeline {
  readonly errors: { label: string; error: unknown }[] = [];
  realStart = Date.now();
  readonly simStart: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly rand: () => number;
  private started = false;
  private stopped = false;
  private readonly beforeStart: { at: Date; label: string; task: () => Promise<void> }[] = [];

  constructor(
    readonly speed = 1,
    start: Date = new Date(),
    seed = Date.now(),
  ) {
    this.simStart = start.getTime();
    this.rand = seededRandom(seed);
  }

  now(): Date {
    return this.started ? new Date(this.simStart + (Date.now() - this.realStart) * this.speed) : new Date(this.simStart);
  }

  random(): number {
    return this.rand();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms / this.speed));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.realStart = Date.now();
    for (const entry of this.beforeStart.splice(0)) this.schedule(entry.at, entry.label, entry.task);
  }

  get spec(): ClockSpec {
    return { speed: this.speed, simStartMs: this.simStart, realStartMs: this.realStart };
  }

  schedule(at: Date, label: string, task: () => Promise<void>): void {
    if (this.stopped) return;
    if (!this.started) {
      this.beforeStart.push({ at, label, task });
      return;
    }
    const delay = Math.max(0, (at.getTime() - this.now().getTime()) / this.speed);
    // setTimeout holds at most 2^31-1 ms; re-arm for longer waits.
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (delay > 2 ** 31 - 1) this.schedule(at, label, task);
        else this.spawn(label, task);
      },
      Math.min(delay, 2 ** 31 - 1),
    );
    this.timers.add(timer);
  }

  spawn(label: string, task: () => Promise<void>): void {
    if (this.stopped) return;
    Promise.resolve()
      .then(task)
      .catch((error) => this.errors.push({ label, error }));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/** How a real timeline maps wall time to its time; shared with other processes through the endpoints file. */
export interface ClockSpec {
  readonly speed: number;
  readonly simStartMs: number;
  readonly realStartMs: number;
}

/** A clock that agrees with a running `rsched dev`, however accelerated. */
export function clockFromSpec(spec: ClockSpec): Clock {
  const now = () => new Date(spec.simStartMs + (Date.now() - spec.realStartMs) * spec.speed);
  return { now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / spec.speed)) };
}
