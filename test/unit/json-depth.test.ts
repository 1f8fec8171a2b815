import { describe, expect, it } from 'vitest';
import { jsonNestingDepth } from '../../infra/local/stepfunctions/json-depth.js';

describe('jsonNestingDepth', () => {
  it('counts objects and arrays, not brackets inside strings or escaped quotes', () => {
    expect(jsonNestingDepth('1')).toBe(0);
    expect(jsonNestingDepth('{"a":[{"b":1}]}')).toBe(3);
    expect(jsonNestingDepth('{"a":"[[[{{{"}')).toBe(1);
    expect(jsonNestingDepth('{"a":"\\"[[[","b":[]}')).toBe(2);
    expect(jsonNestingDepth('[[],[[]],[]]')).toBe(3);
  });

  it('measures depths that would overflow a recursive walk', () => {
    expect(jsonNestingDepth(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toBe(100_000);
  });
});
