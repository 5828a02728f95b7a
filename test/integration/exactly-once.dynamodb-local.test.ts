import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { exactlyOnceProperty, useDayBench } from '../support/exactly-once';

/**
 * The core exactly-once property again, on AWS's own DynamoDB Local: the
 * reference implementation of condition expressions, sets and ReturnValues
 * that dynalite only imitates. Fewer iterations: it is slower and the
 * property is the same. DynamoDB Local needs Java; without it the suite is
 * skipped and its title says why.
 */
const hasJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
const SEED = Number(process.env.RSCHED_PROPERTY_SEED ?? 20261122);

const TITLE = hasJava
  ? 'exactly-once submission on DynamoDB Local'
  : 'exactly-once submission on DynamoDB Local (SKIPPED: no `java` on PATH; DynamoDB Local needs a Java 17+ runtime)';

describe.skipIf(!hasJava)(TITLE, () => {
  const bench = useDayBench('dynamodb-local');

  it('submits every run exactly once, after all its upstreams SUCCEEDED, under duplicated concurrent delivery', async () => {
    await fc.assert(exactlyOnceProperty(bench, { failures: false }), { numRuns: 5, seed: SEED });
  });

  it('fails exactly the failed jobs and their downstream closure', async () => {
    await fc.assert(exactlyOnceProperty(bench, { failures: true }), { numRuns: 3, seed: SEED + 1 });
  });
});
