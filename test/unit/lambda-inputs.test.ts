/**
 * Issue 16: a Lambda's cold start reads the compiled config's header and index
 * from the file, and a job's body only when the job is first read.
 */
import { closeSync, mkdtempSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serialiseConfigBundle } from '../../lambdas/domain/config/bundle';
import { readConfigDir } from '../../lambdas/domain/config/read-dir';
import { loadDag } from '../../lambdas/domain/config/validate';
import { lambdaInputs } from '../../lambdas/runtime/lambda-inputs';

const example = loadDag(readConfigDir(join(__dirname, '..', '..', 'dag-config')));
const ENV = {
  RSCHED_RUNS_TABLE: 'runs',
  RSCHED_CLUSTERS_TABLE: 'clusters',
  RSCHED_ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:alerts',
};

describe('lambdaInputs', () => {
  it('loads the DAG from the config file, reading a job from the file when the job is first read', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rsched-inputs-')), 'dag-config.json');
    const text = serialiseConfigBundle(example);
    writeFileSync(file, text);
    const { dag, resources } = lambdaInputs({ ...ENV, RSCHED_CONFIG_FILE: file });
    expect(resources.runsTable).toBe('runs');
    const [first, second] = dag.topologicalOrder as [string, string];
    expect(dag.jobs.get(first)).toEqual(example.jobs.get(first));

    // Change the second job's body in the file after the load: the change is seen (and refused) when that job is read.
    // The file is one JSON document: its second body, as written, is the JSON of the parsed one.
    const secondBody = JSON.stringify((JSON.parse(text) as { bodies: unknown[] }).bodies[1]);
    const at = text.indexOf(secondBody) + secondBody.indexOf('"retries":1');
    expect(text.indexOf(secondBody)).toBeGreaterThan(text.indexOf(',"bodies":['));
    const fd = openSync(file, 'r+');
    writeSync(fd, '"retries":2', Buffer.byteLength(text.slice(0, at)));
    closeSync(fd);
    expect(() => dag.jobs.get(second)).toThrow(`does not match its SHA-256 at job "${second}"`);
    // The first job was read before the change.
    expect(dag.jobs.get(first)).toEqual(example.jobs.get(first));
  });
});
