import { describe, expect, it } from 'vitest';
import { type RunStatus, type RunStatusReader, RunStatusReaders } from '../../../lambdas/ports/run-status';

const reader = (service: RunStatusReader['service'], answer: RunStatus): RunStatusReader => ({ service, status: async () => answer });

describe('RunStatusReaders', () => {
  it('routes by target type; a type without a reader is not polled', async () => {
    const readers = new RunStatusReaders([
      reader('emr-step', { kind: 'running', state: 'RUNNING' }),
      reader('glue', { kind: 'unknown', why: 'x' }),
    ]);
    expect(await readers.for('emr-step')?.status({} as never)).toEqual({ kind: 'running', state: 'RUNNING' });
    expect((await readers.for('glue')?.status({} as never))?.kind).toBe('unknown');
    expect(readers.for('stepfunctions')).toBeUndefined();
    expect(readers.for('datapipeline')).toBeUndefined();
  });

  it('refuses two readers for one service', () => {
    expect(
      () =>
        new RunStatusReaders([
          reader('emr-step', { kind: 'running', state: 'RUNNING' }),
          reader('emr-step', { kind: 'running', state: 'X' }),
        ]),
    ).toThrow('two run status readers for emr-step');
  });
});
