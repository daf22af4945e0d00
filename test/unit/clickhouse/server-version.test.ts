import { describe, expect, it } from 'vitest';
import { atLeast, MIN_SERVER_VERSION, missingFeatures, parseServerVersion, SERVER_FEATURES } from '../../../processors/sinks/clickhouse/server-version.ts';

describe('ClickHouse server version gate', () => {
  it('parses the release numbers servers and chDB report', () => {
    expect(parseServerVersion('18.16.1')).toEqual([18, 16]);
    expect(parseServerVersion('24.8.4.13')).toEqual([24, 8]);
    expect(parseServerVersion('26.7.2.1 (official build)')).toEqual([26, 7]);
    expect(parseServerVersion('')).toBeUndefined();
    expect(parseServerVersion('unknown')).toBeUndefined();
  });

  it('compares major first, then minor', () => {
    expect(atLeast([22, 3], [22, 3])).toBe(true);
    expect(atLeast([22, 2], [22, 3])).toBe(false);
    expect(atLeast([23, 1], [22, 3])).toBe(true);
    expect(atLeast([21, 12], [22, 3])).toBe(false);
  });

  it('the minimum is at least the newest feature the sink needs, so an accepted server lacks nothing', () => {
    for (const f of SERVER_FEATURES) expect(atLeast(MIN_SERVER_VERSION, f.since)).toBe(true);
    expect(missingFeatures(MIN_SERVER_VERSION)).toEqual([]);
  });

  it('names what an old release lacks, oldest first', () => {
    expect(missingFeatures([18, 16]).map((f) => f.name)).toEqual(SERVER_FEATURES.map((f) => f.name));
    expect(missingFeatures([21, 11]).map((f) => f.name)).toEqual(['insert_deduplication_token']);
    expect(missingFeatures([21, 8]).map((f) => f.name)).toEqual(['window functions (lagInFrame)', 'async_insert with wait_for_async_insert', 'insert_deduplication_token']);
  });
});
