import type { RunStore } from '../../lambdas/ports/run-store';

/**
 * Where an injected fault strikes a store call: `before` the request reaches the
 * table (throttled, 5xx), or `after` it was applied and only the response was
 * lost (a timeout, a handler killed mid-call).
 */
export type FaultMode = 'before' | 'after';

export interface StoreCall {
  /** 1-based index of the call on this store. */
  readonly index: number;
  readonly method: keyof RunStore;
  readonly args: readonly unknown[];
}

/** An error shaped like the SDK's DynamoDB throttling error. */
export function throttlingError(): Error {
  return Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded'), {
    name: 'ProvisionedThroughputExceededException',
    $fault: 'client',
  });
}

export interface InterceptedStore {
  readonly store: RunStore;
  /** Every call made through `store`, in the order they were made. */
  readonly calls: StoreCall[];
}

/**
 * Wraps every method of a RunStore (new ones included) so that `around` decides
 * how each call proceeds: delay it, fail it, or let it through.
 */
export function interceptStore(
  inner: RunStore,
  around: (call: StoreCall, proceed: () => Promise<unknown>) => Promise<unknown>,
): InterceptedStore {
  const calls: StoreCall[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const call: StoreCall = { index: calls.length + 1, method: property as keyof RunStore, args };
        calls.push(call);
        return around(call, () => value.apply(target, args));
      };
    },
  });
  return { store, calls };
}

export interface FaultyRunStore extends InterceptedStore {
  /** Calls that threw because of the plan. */
  readonly faults: StoreCall[];
}

/** A store whose calls throw a throttling error where `plan` says, before or after the real call. */
export function faultyStore(inner: RunStore, plan: (call: StoreCall) => FaultMode | undefined): FaultyRunStore {
  const faults: StoreCall[] = [];
  const intercepted = interceptStore(inner, async (call, proceed) => {
    const mode = plan(call);
    if (mode === 'before') {
      faults.push(call);
      throw throttlingError();
    }
    const result = await proceed();
    if (mode === 'after') {
      faults.push(call);
      throw throttlingError();
    }
    return result;
  });
  return { ...intercepted, faults };
}

/** A store whose every call waits `delayMs()` first, so concurrent handlers interleave in more ways. */
export function jitteryStore(inner: RunStore, delayMs: () => number): RunStore {
  return interceptStore(inner, async (_call, proceed) => {
    await new Promise((resolve) => setTimeout(resolve, delayMs()));
    return proceed();
  }).store;
}

/** A fault plan that strikes the first call `match` accepts, and no other. */
export function firstCall(match: (call: StoreCall) => boolean, mode: FaultMode): (call: StoreCall) => FaultMode | undefined {
  let struck = false;
  return (call) => {
    if (struck || !match(call)) return undefined;
    struck = true;
    return mode;
  };
}

/** Matches the store write that moves a run to `state`. */
export function transitionTo(state: string): (call: StoreCall) => boolean {
  return (call) => call.method === 'transition' && (call.args[0] as { to?: string }).to === state;
}
