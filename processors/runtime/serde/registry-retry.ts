// Rides out a short schema-registry outage in place: a schema fetch that fails transiently (failure-kind.ts) is tried
// again after 100 ms, doubling to 5 s between attempts, until the next wait would pass the bound
// (SCHEMA_REGISTRY_FETCH_RETRY_MS, default 30 s, validated once at startup); then the last error propagates, and the
// caller's loop stops without committing (the record is read again after the restart). Poison answers (a 404) are
// not errors here and return at once.
import { ArbiterError } from '../../core/errors.ts';
import { isTransient } from '../stream/failure-kind.ts';

export const REGISTRY_FETCH_RETRY_ENV = 'SCHEMA_REGISTRY_FETCH_RETRY_MS';
export const DEFAULT_REGISTRY_FETCH_RETRY_MS = 30_000;
/** Longer than this, a stalled batch outlives consumer session timeouts and transaction timeouts. */
const MAX_REGISTRY_FETCH_RETRY_MS = 120_000;
export const FIRST_RETRY_DELAY_MS = 100;
export const MAX_RETRY_DELAY_MS = 5_000;

/** SCHEMA_REGISTRY_FETCH_RETRY_MS: 0 (no retry) to 120000; ARB_CONFIG_INVALID otherwise. */
export function registryFetchRetryMsFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env[REGISTRY_FETCH_RETRY_ENV];
  if (raw === undefined || raw.trim() === '') return DEFAULT_REGISTRY_FETCH_RETRY_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_REGISTRY_FETCH_RETRY_MS) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `${REGISTRY_FETCH_RETRY_ENV}="${raw}" must be whole milliseconds from 0 to ${MAX_REGISTRY_FETCH_RETRY_MS}`,
      { key: REGISTRY_FETCH_RETRY_ENV });
  }
  return ms;
}

/** The wait before retry number `attempt` (1-based): 100 ms doubling, at most 5 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
}

export interface RetryBound {
  /** Total time the waits may add up to. */
  readonly totalMs: number;
  /** Told before each wait: the attempt that failed (1-based), its error and the wait. */
  readonly onRetry?: (attempt: number, error: ArbiterError, delayMs: number) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `attempt()` until it succeeds, fails with a non-transient error, or the waits would pass `bound.totalMs`. */
export async function retryTransient<T>(attempt: () => Promise<T>, bound: RetryBound): Promise<T> {
  const sleep = bound.sleep ?? sleepFor;
  let waited = 0;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const delay = retryDelayMs(n);
      if (!isTransient(error) || waited + delay > bound.totalMs) throw error;
      bound.onRetry?.(n, error as ArbiterError, delay);
      await sleep(delay);
      waited += delay;
    }
  }
}
