import { expect } from 'vitest';
import { SubmitError } from '../../lambdas/ports/submitter';

/** The SubmitError a submit call rejects with; fails the test if it resolves or throws something else. */
export async function submitErrorOf(promise: Promise<unknown>): Promise<SubmitError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SubmitError);
  return err as SubmitError;
}
