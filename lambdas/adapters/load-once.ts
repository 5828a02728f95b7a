/** A value loaded on first use and kept; `forget` drops it so the next use loads again. */
export interface LoadOnce<T> {
  (): Promise<T>;
  forget(): void;
}

/**
 * Loads on the first call and keeps the promise, so concurrent callers share
 * one load. A failed load is not kept: the next call tries again.
 */
export function loadOnce<T>(load: () => Promise<T>): LoadOnce<T> {
  let kept: Promise<T> | undefined;
  const get = () => {
    kept ??= load().catch((error: unknown) => {
      kept = undefined;
      throw error;
    });
    return kept;
  };
  return Object.assign(get, {
    forget() {
      kept = undefined;
    },
  });
}
