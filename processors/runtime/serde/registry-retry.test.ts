import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../core/errors.ts';
import { DEFAULT_REGISTRY_FETCH_RETRY_MS, registryFetchRetryMsFromEnv, retryDelayMs, retryTransient } from './registry-retry.ts';

const down = () => new ArbiterError('ARB_SERDE_REGISTRY_UNAVAILABLE', 'schema registry http://r could not be reached', { key: 'SCHEMA_REGISTRY_URL' });

/** A fetch that fails `failures` times, then answers; sleeps are recorded, not waited. */
function flaky<T>(failures: number, answer: T, error: () => Error = down) {
  const slept: number[] = [];
  let calls = 0;
  const attempt = async () => {
    calls++;
    if (calls <= failures) throw error();
    return answer;
  };
  return { attempt, slept, sleep: async (ms: number) => void slept.push(ms), calls: () => calls };
}

describe('schema fetch retry', () => {
  it('waits 100 ms doubling to 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(retryDelayMs)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('rides out a short outage and reports each retry', async () => {
    const f = flaky(3, 'schema');
    const seen: [number, string, number][] = [];
    const got = await retryTransient(f.attempt, { totalMs: 30_000, sleep: f.sleep, onRetry: (n, e, ms) => seen.push([n, e.code, ms]) });
    expect(got).toBe('schema');
    expect(f.slept).toEqual([100, 200, 400]);
    expect(seen).toEqual([[1, 'ARB_SERDE_REGISTRY_UNAVAILABLE', 100], [2, 'ARB_SERDE_REGISTRY_UNAVAILABLE', 200], [3, 'ARB_SERDE_REGISTRY_UNAVAILABLE', 400]]);
  });

  it('gives up with the transient error once the next wait would pass the bound', async () => {
    const f = flaky(1000, 'never');
    await expect(retryTransient(f.attempt, { totalMs: 1000, sleep: f.sleep })).rejects.toMatchObject({ code: 'ARB_SERDE_REGISTRY_UNAVAILABLE' });
    expect(f.slept).toEqual([100, 200, 400]); // 700 ms; the next 800 would make 1500
    expect(f.calls()).toBe(4);
  });

  it('does not retry poison or uncoded errors', async () => {
    const poison = flaky(5, 'x', () => new ArbiterError('ARB_SERDE_UNKNOWN_SCHEMA_ID', 'no such id'));
    await expect(retryTransient(poison.attempt, { totalMs: 30_000, sleep: poison.sleep })).rejects.toMatchObject({ code: 'ARB_SERDE_UNKNOWN_SCHEMA_ID' });
    expect(poison.calls()).toBe(1);
    const bug = flaky(5, 'x', () => new SyntaxError('bad json'));
    await expect(retryTransient(bug.attempt, { totalMs: 30_000, sleep: bug.sleep })).rejects.toThrow(SyntaxError);
    expect(bug.slept).toEqual([]);
  });

  it('a bound of 0 tries once', async () => {
    const f = flaky(1, 'x');
    await expect(retryTransient(f.attempt, { totalMs: 0, sleep: f.sleep })).rejects.toMatchObject({ code: 'ARB_SERDE_REGISTRY_UNAVAILABLE' });
    expect(f.calls()).toBe(1);
  });

  it('reads SCHEMA_REGISTRY_FETCH_RETRY_MS once and refuses nonsense', () => {
    expect(registryFetchRetryMsFromEnv({})).toBe(DEFAULT_REGISTRY_FETCH_RETRY_MS);
    expect(registryFetchRetryMsFromEnv({ SCHEMA_REGISTRY_FETCH_RETRY_MS: '5000' })).toBe(5000);
    expect(registryFetchRetryMsFromEnv({ SCHEMA_REGISTRY_FETCH_RETRY_MS: '0' })).toBe(0);
    for (const bad of ['-1', '1.5', 'soon', '120001']) {
      expect(() => registryFetchRetryMsFromEnv({ SCHEMA_REGISTRY_FETCH_RETRY_MS: bad })).toThrow(/ARB_CONFIG_INVALID: SCHEMA_REGISTRY_FETCH_RETRY_MS/);
    }
  });
});
