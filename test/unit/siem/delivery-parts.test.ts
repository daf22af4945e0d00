import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../processors/core/metrics.ts';
import { backoffDelayMs } from '../../../processors/sinks/siem/backoff.ts';
import { BoundedQueue } from '../../../processors/sinks/siem/queue.ts';

describe('backoffDelayMs', () => {
  it('doubles per failed attempt, caps at max, and stays within [ceiling/2, ceiling]', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, 100, 10_000, () => 1))).toEqual([100, 200, 400, 800]);
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, 100, 10_000, () => 0))).toEqual([50, 100, 200, 400]);
    expect(backoffDelayMs(30, 100, 10_000, () => 1)).toBe(10_000);
    expect(backoffDelayMs(5000, 100, 10_000, () => 0.5)).toBe(7500);
  });
});

describe('BoundedQueue', () => {
  it('offer refuses when full; put waits for room made by take', async () => {
    const q = new BoundedQueue<number>(2);
    expect(q.offer(1)).toBe(true);
    expect(q.offer(2)).toBe(true);
    expect(q.offer(3)).toBe(false);
    let putDone = false;
    const p = q.put(4).then(() => { putDone = true; });
    await Promise.resolve();
    expect(putDone).toBe(false);
    expect(await q.take(1)).toEqual([1]);
    await p;
    expect(putDone).toBe(true);
    expect(await q.take(10)).toEqual([2, 4]);
  });

  it('take waits for an item, and returns [] once closed and drained', async () => {
    const q = new BoundedQueue<string>(4);
    const t = q.take(5);
    q.offer('a');
    expect(await t).toEqual(['a']);
    q.offer('b');
    q.close();
    expect(await q.take(5)).toEqual(['b']);
    expect(await q.take(5)).toEqual([]);
    expect(q.offer('c')).toBe(false);
  });
});

describe('MetricsRegistry', () => {
  it('renders counters, gauges and histograms in Prometheus text format with escaped labels', () => {
    const r = new MetricsRegistry();
    const c = r.counter('x_total', 'Things.\nMore', ['reason']);
    c.inc({ reason: 'a"b\\c' }, 2);
    r.gauge('depth', 'Depth.').set(undefined, 3);
    const h = r.histogram('lat_seconds', 'Latency.', [], [0.1, 1]);
    h.observe(undefined, 0.05);
    h.observe(undefined, 0.5);
    h.observe(undefined, 5);
    expect(r.render()).toBe([
      '# HELP x_total Things.\\nMore', '# TYPE x_total counter', 'x_total{reason="a\\"b\\\\c"} 2',
      '# HELP depth Depth.', '# TYPE depth gauge', 'depth 3',
      '# HELP lat_seconds Latency.', '# TYPE lat_seconds histogram',
      'lat_seconds_bucket{le="0.1"} 1', 'lat_seconds_bucket{le="1"} 2', 'lat_seconds_bucket{le="+Inf"} 3',
      'lat_seconds_sum 5.55', 'lat_seconds_count 3', '',
    ].join('\n'));
  });

  it('returns the same metric for the same name and refuses a clash or a bad name', () => {
    const r = new MetricsRegistry();
    expect(r.counter('a_total', 'h', ['x'])).toBe(r.counter('a_total', 'h', ['x']));
    expect(() => r.gauge('a_total', 'h', ['x'])).toThrow(/already registered/);
    expect(() => r.counter('bad-name', 'h')).toThrow(/invalid metric name/);
    expect(() => r.counter('b_total', 'h', ['x']).inc({})).toThrow(/label "x" is missing/);
    expect(() => r.counter('c_total', 'h').inc(undefined, -1)).toThrow(/cannot decrease/);
  });
});
