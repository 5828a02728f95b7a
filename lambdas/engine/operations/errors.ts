/** An operator's request that the scheduler refuses, with the reason and how to proceed. */
export class OperationRefusedError extends Error {
  override readonly name = 'OperationRefusedError';
}
