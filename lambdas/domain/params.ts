import type { ParamRule } from './config/schema';

/**
 * Marker params are input from whoever may write a marker: they are checked
 * against the rule the consuming job declares (docs/params.md) when the marker
 * arrives and again when they are rendered into a submission. A param a job
 * uses without declaring it gets a strict default: letters, digits, `_`, `.`
 * and `-`, at most 128 characters — no spaces, quotes, slashes or shell
 * metacharacters.
 */
export const DEFAULT_PARAM_PATTERN = '^[A-Za-z0-9_.-]{1,128}$';

const compiled = new Map<string, RegExp>();

function regex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(pattern);
    compiled.set(pattern, re);
  }
  return re;
}

/** The rule for `key` in `rules`, or the strict default. */
export function ruleFor(rules: Readonly<Record<string, ParamRule>>, key: string): ParamRule {
  return Object.hasOwn(rules, key) ? (rules[key] as ParamRule) : { pattern: DEFAULT_PARAM_PATTERN };
}

/** Why `value` is not acceptable for param `key`, or undefined when it is. */
export function paramValueProblem(rules: Readonly<Record<string, ParamRule>>, key: string, value: string): string | undefined {
  const rule = ruleFor(rules, key);
  const shown = value.length > 60 ? `${JSON.stringify(value.slice(0, 60))}…` : JSON.stringify(value);
  if ('enum' in rule) {
    return rule.enum.includes(value)
      ? undefined
      : `param ${key}=${shown} is not one of ${rule.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (!regex(rule.pattern).test(value)) {
    const declared = Object.hasOwn(rules, key) ? 'its declared pattern' : 'the default pattern for undeclared params';
    return `param ${key}=${shown} does not match ${declared} ${rule.pattern}`;
  }
  // A value that starts with "-" would be read as an option by the program it is passed to.
  if (value.startsWith('-')) return `param ${key}=${shown} starts with "-" (it would be read as an option)`;
  return undefined;
}

/** True when the job declared a rule for `key` (an enum or its own pattern). */
export function isDeclared(rules: Readonly<Record<string, ParamRule>>, key: string): boolean {
  return Object.hasOwn(rules, key);
}
