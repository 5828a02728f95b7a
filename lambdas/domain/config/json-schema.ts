import { z } from 'zod';
import { configFileSchema } from './schema';

/** The JSON Schema editors use to validate dag-config files while typing; generated, never hand-edited. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configFileSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://reactive-scheduler.dev/schema/dag-config.json',
    title: 'reactive-scheduler dag-config file',
    description: 'Jobs, time-of-day EMR clusters and defaults. Generated from lambdas/domain/config/schema.ts by `npm run schema`.',
  };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
