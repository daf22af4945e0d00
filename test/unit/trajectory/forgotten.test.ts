import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../../processors/core/errors.ts';
import { FORGOTTEN_DESTINATION, FORGOTTEN_VALUE, forget, wasForgotten } from '../../../processors/trajectory/forgotten.ts';
import { destinationKey, valueKey } from '../../../processors/trajectory/hash.ts';
import { FORGOTTEN_BLOOM_WORDS } from '../../../processors/trajectory/limits.ts';
import { EMPTY_STATE, deserializeState, serializeState } from '../../../processors/trajectory/index.ts';

const keys = (n: number, p: string) => Array.from({ length: n }, (_, i) => destinationKey(`${p}${i}@x.example`));

describe('forgotten filter', () => {
  it('given no eviction yet, when asked, then nothing reads as forgotten and the filter stays unallocated', () => {
    expect(wasForgotten([], destinationKey('a@x.example'), FORGOTTEN_DESTINATION)).toBe(false);
  });

  it('given evicted keys, when asked, then every one reads as forgotten (no false negatives), and adding one twice shares the array', () => {
    let f: readonly number[] = [];
    const evicted = keys(300, 'evicted');
    for (const k of evicted) f = forget(f, k, FORGOTTEN_DESTINATION);
    expect(f).toHaveLength(FORGOTTEN_BLOOM_WORDS);
    expect(evicted.every((k) => wasForgotten(f, k, FORGOTTEN_DESTINATION))).toBe(true);
    expect(forget(f, evicted[0] as number, FORGOTTEN_DESTINATION)).toBe(f);
  });

  it('given 100 evicted keys, when 10,000 fresh keys are asked, then under 1 % read as forgotten (the design figure is ~0.3 %)', () => {
    let f: readonly number[] = [];
    for (const k of keys(100, 'evicted')) f = forget(f, k, FORGOTTEN_DESTINATION);
    const fresh = keys(10_000, 'fresh');
    const falsePositives = fresh.filter((k) => wasForgotten(f, k, FORGOTTEN_DESTINATION)).length;
    expect(falsePositives).toBeLessThan(100);
  });

  it('given a destination key forgotten, when the same bits are asked as a value key, then the domains are kept apart', () => {
    let f: readonly number[] = [];
    const k = valueKey('riverside view hotel');
    f = forget(f, k, FORGOTTEN_VALUE);
    expect(wasForgotten(f, k, FORGOTTEN_VALUE)).toBe(true);
    expect(wasForgotten(f, k, FORGOTTEN_DESTINATION)).toBe(false);
  });

  it('given a state with a filter, when serialized and restored, then it is equal; a filter of the wrong size is refused as corrupt', () => {
    const s = { ...EMPTY_STATE, forgotten: forget([], valueKey('x'), FORGOTTEN_VALUE) };
    const b = serializeState(s);
    expect(deserializeState(b)).toEqual(s);
    const short = serializeState({ ...EMPTY_STATE, forgotten: (s.forgotten as number[]).slice(0, 8) });
    let code: string | undefined;
    try { deserializeState(short, 'session s1'); } catch (e) { code = e instanceof ArbiterError ? e.code : String(e); }
    expect(code).toBe('ARB_TRAJECTORY_STATE_CORRUPT');
  });
});
