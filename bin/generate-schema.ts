import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchemaText } from '../lambdas/domain/config/json-schema';

/** Writes dag-config/rsched.schema.json from the zod schema (`npm run schema`). */
const target = join(__dirname, '..', 'dag-config', 'rsched.schema.json');
writeFileSync(target, configJsonSchemaText());
process.stdout.write(`wrote ${target}\n`);
