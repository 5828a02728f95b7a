import type { Timeline } from './timeline';

/** Lambda's asynchronous invocation retries: after 1 and after 2 minutes, then the event is dead-lettered. */
const RETRY_DELAYS_MS = [60_000, 120_000];

export interface DeadLetter {
  readonly functionName: string;
  readonly event: unknown;
  readonly error: string;
  readonly at: string;
}

/**
 * A handler invoked the way Lambda invokes it asynchronously (SNS, EventBridge
 * Scheduler): an error is retried twice, then the event goes to the dead-letter
 * list, where the runtime raises a DEAD_LETTER alert.
 */
export class LocalFunction {
  invocations = 0;
  errors = 0;

  constructor(
    readonly name: string,
    private readonly handler: (event: unknown) => Promise<unknown>,
    private readonly timeline: Timeline,
    private readonly onDeadLetter: (letter: DeadLetter) => Promise<void>,
    private readonly onResult: (name: string, event: unknown, result: unknown) => void = () => {},
  ) {}

  /** Invokes now (as a task of the timeline). */
  invoke(event: unknown): void {
    this.timeline.spawn(this.name, () => this.attempt(event, 0));
  }

  /** Invokes and waits for the outcome (for operator commands that need the answer). */
  async invokeNow(event: unknown): Promise<unknown> {
    this.invocations++;
    return this.handler(event);
  }

  private async attempt(event: unknown, retry: number): Promise<void> {
    this.invocations++;
    try {
      this.onResult(this.name, event, await this.handler(event));
    } catch (err) {
      this.errors++;
      const delay = RETRY_DELAYS_MS[retry];
      if (delay === undefined) {
        await this.onDeadLetter({ functionName: this.name, event, error: String(err), at: this.timeline.now().toISOString() });
        return;
      }
      this.timeline.schedule(new Date(this.timeline.now().getTime() + delay), `${this.name} retry`, () => this.attempt(event, retry + 1));
    }
  }
}
