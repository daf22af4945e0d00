import { describe, expect, it } from 'vitest';
import { median, percentile } from './timing.ts';

describe('percentile', () => {
  it('uses the nearest rank on unsorted samples', () => {
    const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(xs, 0.5)).toBe(5);
    expect(percentile(xs, 0.99)).toBe(10);
    expect(percentile(xs, 0.1)).toBe(1);
    expect(median([3, 1, 2])).toBe(2);
  });
  it('refuses an empty sample', () => {
    expect(() => percentile([], 0.5)).toThrow(/no samples/);
  });
});
