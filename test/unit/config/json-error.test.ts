import { describe, expect, it } from 'vitest';
import { locateJsonError } from '../../../lambdas/domain/config/json-error';

describe('locating JSON syntax errors', () => {
  it('finds nothing wrong in valid JSON', () => {
    expect(locateJsonError('{"a": [1, -2.5e3, true, false, null, "x\\"y"], "b": {}}')).toBeUndefined();
  });

  it('points at the first wrong character, 1-based', () => {
    expect(locateJsonError('{\n  "jobs": [\n    { "name": "a", }\n  ]\n}')).toEqual({ line: 3, column: 20 });
    expect(locateJsonError('{"a": 1 "b": 2}')).toEqual({ line: 1, column: 9 });
    expect(locateJsonError("{'a': 1}")).toEqual({ line: 1, column: 2 });
    expect(locateJsonError('[1, 2,]')).toEqual({ line: 1, column: 7 });
    expect(locateJsonError('{"a": tru}')).toEqual({ line: 1, column: 7 });
    expect(locateJsonError('{"a": 1}\n\n  x')).toEqual({ line: 3, column: 3 });
  });

  it('points past the end of a truncated file', () => {
    expect(locateJsonError('{\n  "jobs": [')).toEqual({ line: 2, column: 12 });
    expect(locateJsonError('"unterminated')).toEqual({ line: 1, column: 14 });
  });
});
