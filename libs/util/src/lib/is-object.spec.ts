import { isObject } from './is-object';

describe('isObject', () => {
  it('is true for objects only', () => {
    expect(isObject({})).toBe(true);
    expect(isObject({ a: 1 })).toBe(true);
    for (const value of [null, undefined, [], [1], 'x', 1, true]) expect(isObject(value)).toBe(false);
  });
});
