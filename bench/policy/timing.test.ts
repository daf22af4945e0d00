import { describe, expect, it } from 'vitest';
import { median, percentile, perInputMedians } from './timing.ts';

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

describe('perInputMedians', () => {
  it('takes each input its own samples, which cycle the inputs in order', () => {
    // inputs 0,1,2 timed three times each: input 1 is the slow one, with one noisy outlier for input 0.
    const samples = [1, 10, 2, 900, 11, 2, 1, 12, 2];
    expect([...perInputMedians(samples, 3)]).toEqual([1, 11, 2]);
  });
  it('refuses fewer samples than inputs', () => {
    expect(() => perInputMedians([1, 2], 3)).toThrow(/cannot cover/);
  });
});
