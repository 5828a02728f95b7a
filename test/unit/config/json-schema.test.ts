import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configJsonSchemaText } from '../../../lambdas/domain/config/json-schema';

const COMMITTED = join(__dirname, '..', '..', '..', 'dag-config', 'rsched.schema.json');

describe('the committed JSON Schema', () => {
  it('is exactly what the zod schema generates', () => {
    const committed = readFileSync(COMMITTED, 'utf8');
    const fresh = configJsonSchemaText();
    // Compared as text with a message that says what to do, not as a diff of two huge objects.
    if (committed !== fresh) {
      expect.fail('dag-config/rsched.schema.json is stale: the zod schema changed. Run `npm run schema` and commit the result.');
    }
  });

  it('describes the fields editors need, and forbids unknown ones', () => {
    const schema = configJsonSchema() as {
      properties: Record<string, { items?: { properties?: Record<string, unknown>; additionalProperties?: unknown } }>;
      additionalProperties: unknown;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties).sort()).toEqual(['$schema', 'calendars', 'clusters', 'defaults', 'jobs']);
    const job = schema.properties.jobs?.items;
    expect(job?.additionalProperties).toBe(false);
    expect(Object.keys(job?.properties ?? {})).toEqual(
      expect.arrayContaining([
        'name',
        'dependsOn',
        'schedule',
        'timezone',
        'timeoutMinutes',
        'retries',
        'expectedBy',
        'notBefore',
        'target',
      ]),
    );
  });
});
