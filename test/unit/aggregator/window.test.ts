import { describe, expect, it } from 'vitest';
import { BucketWindow } from '../../../processors/aggregator/window.ts';

describe('BucketWindow', () => {
  it('sums what was added within the window', () => {
    const w = new BucketWindow(60_000, 12);
    w.add(1_000, 1);
    w.add(2_000, 2);
    expect(w.add(30_000, 3)).toBe(6);
  });

  it('drops buckets that slid out of the window', () => {
    const w = new BucketWindow(60_000, 12);
    w.add(0, 5);
    w.add(30_000, 1);
    expect(w.sum(62_000)).toBe(1);
    expect(w.sum(95_000)).toBe(0);
    expect(w.isEmpty(95_000)).toBe(true);
  });

  it('counts a late event inside the window and ignores one older than the window', () => {
    const w = new BucketWindow(60_000, 12);
    w.add(100_000, 1);
    expect(w.add(80_000, 1)).toBe(2);
    expect(w.add(10_000, 1)).toBe(2);
  });

  it('clears everything after a jump longer than the window', () => {
    const w = new BucketWindow(60_000, 12);
    w.add(0, 9);
    expect(w.add(1_000_000, 1)).toBe(1);
  });
});
