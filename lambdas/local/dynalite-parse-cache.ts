/**
 * dynalite parses every expression of every request (UpdateExpression,
 * ConditionExpression, KeyConditionExpression, FilterExpression,
 * ProjectionExpression) with PEG parsers. A simulation sends a few hundred
 * distinct expressions tens of thousands of times, with other values each
 * time, and the parsing was the largest single cost inside dynalite (a sixth
 * of a simulated day's CPU time).
 *
 * The parse is a function of the expression, the attribute names and the
 * *types* of the attribute values: the parsers check names, reserved words,
 * paths and operand types, and put the value objects themselves into the tree
 * they return. So a tree parsed once can serve a later request with the same
 * expression, names and value types: a copy with that request's value objects
 * in place of the first one's. Two checks read a value's content (BETWEEN
 * compares its bounds, attribute_type reads its type name): expressions with
 * them are parsed every time, as are those that fail to parse (their errors are
 * reported as dynalite reports them).
 */

type AttributeValue = Record<string, unknown>;

/** What dynalite's validations hand its parsers (validations/index.js, validateExpressions). */
interface ParseContext {
  readonly attrNames?: Record<string, string>;
  readonly attrVals?: Record<string, AttributeValue>;
  readonly unusedAttrNames?: Record<string, boolean>;
  readonly unusedAttrVals?: Record<string, boolean>;
}

interface ParserModule {
  parse(input: string, options: { context: ParseContext }): unknown;
}

interface Parsed {
  /** The tree as parsed the first time: never handed out, only copied. */
  readonly tree: object;
  /** Which attribute value each value object of the tree stands for. */
  readonly values: ReadonlyMap<object, string>;
  /** The names and values the parse marked used (removed from the context's "unused" sets). */
  readonly usedNames: readonly string[];
  readonly usedVals: readonly string[];
}

/** Enough for every expression a long simulation sends; the oldest entry goes first past it. */
const MAX_ENTRIES = 20_000;
const VALUE_CONTENT_CHECKS = /between|attribute_type/i;

/** A parser's `parse` that reuses trees for repeated expressions (see the module comment). */
export function cachingParse(parse: ParserModule['parse']): ParserModule['parse'] {
  const cache = new Map<string, Parsed>();
  return (input, options) => {
    const { context } = options;
    if (VALUE_CONTENT_CHECKS.test(input)) return parse(input, options);
    const key = cacheKey(input, context);
    const hit = cache.get(key);
    if (hit) {
      markUsed(context, hit.usedNames, hit.usedVals);
      return copy(hit.tree, hit.values, context.attrVals ?? {}, new Map());
    }
    // Parsed against "unused" sets of its own, so that what this expression uses is known whatever was parsed before it.
    const probe = { ...context, unusedAttrNames: allKeys(context.attrNames), unusedAttrVals: allKeys(context.attrVals) };
    const tree = parse(input, { ...options, context: probe });
    const usedNames = Object.keys(context.attrNames ?? {}).filter((n) => !(n in probe.unusedAttrNames));
    const usedVals = Object.keys(context.attrVals ?? {}).filter((n) => !(n in probe.unusedAttrVals));
    markUsed(context, usedNames, usedVals);
    // An error message (a string) or a thrown SyntaxError is not kept.
    if (typeof tree !== 'object' || tree === null) return tree;
    const values = new Map<object, string>();
    for (const [name, value] of Object.entries(context.attrVals ?? {})) values.set(value, name);
    const parsed: Parsed = { tree, values, usedNames, usedVals };
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(key, parsed);
    // The caller may change what it gets (dynalite's actions read the tree); the kept one stays as parsed.
    return copy(tree, values, context.attrVals ?? {}, new Map());
  };
}

function allKeys(record: object | undefined): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const k of Object.keys(record ?? {})) out[k] = true;
  return out;
}

/** What the parsers do as they resolve a name or value: it is no longer "unused" (dynalite reports unused ones). */
function markUsed(context: ParseContext, names: readonly string[], vals: readonly string[]): void {
  for (const name of names) delete context.unusedAttrNames?.[name];
  for (const name of vals) delete context.unusedAttrVals?.[name];
}

function cacheKey(input: string, context: ParseContext): string {
  let types = '';
  for (const [name, value] of Object.entries(context.attrVals ?? {})) types += `${name}:${Object.keys(value).join('+')},`;
  return `${input}\u0000${JSON.stringify(context.attrNames ?? null)}\u0000${types}`;
}

/**
 * A deep copy of a parsed tree with `attrVals`' objects in place of the ones
 * it was parsed with; prototypes (dynalite uses null-prototype maps) and
 * shared references (a path in both a section and the path list) are kept.
 */
function copy(
  node: unknown,
  values: ReadonlyMap<object, string>,
  attrVals: Record<string, AttributeValue>,
  seen: Map<object, unknown>,
): unknown {
  if (typeof node !== 'object' || node === null) return node;
  const value = values.get(node);
  if (value !== undefined) return attrVals[value];
  const done = seen.get(node);
  if (done !== undefined) return done;
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    seen.set(node, out);
    for (let i = 0; i < node.length; i++) out.push(copy(node[i], values, attrVals, seen));
    return out;
  }
  const out = Object.create(Object.getPrototypeOf(node)) as Record<string, unknown>;
  seen.set(node, out);
  const source = node as Record<string, unknown>;
  for (const k of Object.keys(source)) out[k] = copy(source[k], values, attrVals, seen);
  return out;
}

export const DYNALITE_PARSERS = ['conditionParser', 'updateParser', 'projectionParser'] as const;

/** One of dynalite's parser modules; `uncached` is its own parse once the cache is in front of it. */
export function dynaliteParser(name: (typeof DYNALITE_PARSERS)[number]): ParserModule & { uncached?: ParserModule['parse'] } {
  return require(`dynalite/db/${name}`) as ParserModule;
}

/** Puts the cache in front of dynalite's expression parsers (once per process: they are module singletons). */
export function cacheDynaliteParsers(): void {
  for (const name of DYNALITE_PARSERS) {
    const parser = dynaliteParser(name);
    if (parser.uncached) continue;
    parser.uncached = parser.parse.bind(parser);
    parser.parse = cachingParse(parser.uncached);
  }
}
