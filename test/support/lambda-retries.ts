/** Lambda's asynchronous invoke: the first try and two retries (then the event is dead-lettered). */
export const LAMBDA_TRIES = 3;

/** Runs `action` as Lambda would retry a failed asynchronous invocation. */
export async function withLambdaRetries(action: () => Promise<unknown>): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await action();
      return;
    } catch (err) {
      if (i >= LAMBDA_TRIES) throw err;
    }
  }
}
