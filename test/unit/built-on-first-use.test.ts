import { describe, expect, it } from 'vitest';
import { builtOnFirstUse } from '../../main/core/built-on-first-use.ts';

describe('builtOnFirstUse', () => {
  it('builds nothing until the table is first used, then builds it once', () => {
    let builds = 0;
    const table = builtOnFirstUse(() => {
      builds++;
      return { a: 1, b: { c: 2 } };
    });
    expect(builds).toBe(0);
    expect(table.a).toBe(1);
    expect(table.b.c).toBe(2);
    expect(table.b).toBe(table.b);
    expect(builds).toBe(1);
  });

  it('answers the questions the guard and the settings ask of a plain object', () => {
    const table = builtOnFirstUse(() => ({ 'app:status': 1, 'users:search': 2 }) as Record<string, number>);
    expect(Object.hasOwn(table, 'app:status')).toBe(true);
    expect(Object.hasOwn(table, 'toString')).toBe(false);
    expect(Object.hasOwn(table, 'missing')).toBe(false);
    expect('users:search' in table).toBe(true);
    expect(Object.keys(table)).toEqual(['app:status', 'users:search']);
    expect(Object.entries(table)).toEqual([
      ['app:status', 1],
      ['users:search', 2],
    ]);
    expect(table.missing).toBeUndefined();
  });

  it('cannot be changed through the proxy', () => {
    const table = builtOnFirstUse(() => ({ a: 1 }) as Record<string, number>);
    // Modules are strict: a refused write throws.
    expect(() => {
      table.a = 2;
    }).toThrow(TypeError);
    expect(() => delete table.a).toThrow(TypeError);
    expect(() => Object.defineProperty(table, 'b', { value: 3 })).toThrow(TypeError);
    expect(table.a).toBe(1);
    expect(Object.keys(table)).toEqual(['a']);
  });
});
