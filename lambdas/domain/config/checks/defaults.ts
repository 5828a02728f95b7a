import type { ConfigIssue } from '../issues';
import type { ParsedConfig } from '../parse';

/** Defaults apply to every file; two files may not disagree about one. */
export function checkDefaults(config: ParsedConfig): ConfigIssue[] {
  const setIn = new Map<string, { file: string; value: unknown }>();
  const issues: ConfigIssue[] = [];
  for (const { value, file } of config.defaults) {
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const previous = setIn.get(key);
      if (previous && JSON.stringify(previous.value) !== JSON.stringify(v)) {
        issues.push({
          severity: 'error',
          file,
          entity: { kind: 'defaults' },
          field: key,
          message: `set to ${JSON.stringify(v)} here but to ${JSON.stringify(previous.value)} in ${previous.file}; defaults apply to all files, set it once`,
        });
      } else {
        setIn.set(key, { file, value: v });
      }
    }
  }
  return issues;
}
