import { afterAll, beforeAll } from 'vitest';
import { type DynamoEmulator, startDynamoEmulator } from '../../lambdas/local/dynamodb-emulator';

/**
 * One dynalite for the calling test file: started before its tests, stopped
 * after them. Returns a getter to call inside tests and hooks.
 */
export function useDynalite(): () => DynamoEmulator {
  let emulator: DynamoEmulator | undefined;
  beforeAll(async () => {
    emulator = await startDynamoEmulator('dynalite');
  });
  afterAll(async () => {
    await emulator?.stop();
  });
  return () => {
    if (!emulator) throw new Error('dynalite is not started yet: use it inside a test or hook');
    return emulator;
  };
}
