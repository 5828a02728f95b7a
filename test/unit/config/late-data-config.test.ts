import { describe, expect, it } from 'vitest';
import { dagFromBundle, serialiseConfigBundle } from '../../../lambdas/domain/config/bundle';
import { validateConfig } from '../../../lambdas/domain/config/validate';

/** `defaults.maxConcurrentReruns`: the cap on late-data reruns running at once (docs/markers.md#late-data-onlateupstream). */

const job = { name: 'a', dependsOn: [], target: { type: 'external' } };
const file = (defaults?: Record<string, unknown>) => ({
  path: 'dag.json',
  text: JSON.stringify({ ...(defaults ? { defaults } : {}), jobs: [job] }),
});

describe('maxConcurrentReruns', () => {
  it('is 5 unless defaults set it, and survives the compiled bundle', () => {
    expect(validateConfig([file()]).dag?.maxConcurrentReruns).toBe(5);
    const dag = validateConfig([file({ maxConcurrentReruns: 2 })]).dag;
    expect(dag?.maxConcurrentReruns).toBe(2);
    expect(dagFromBundle(Buffer.from(serialiseConfigBundle(dag as never))).maxConcurrentReruns).toBe(2);
  });

  it.each([0, 1.5, 'three'])('%s is refused with the file and the field named', (value) => {
    const { dag, issues } = validateConfig([file({ maxConcurrentReruns: value })]);
    expect(dag).toBeUndefined();
    const text = issues.map((i) => `${i.file}: ${i.field ?? ''} ${i.message}`).join('\n');
    expect(text).toContain('dag.json');
    expect(text).toContain('maxConcurrentReruns');
  });
});
