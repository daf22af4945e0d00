// Rate signals from the aggregator to the verdict processors: an agent's and a tenant's proposals over the sliding
// minute across all sessions, which a verdict partition cannot count (sessions are partitioned by session id).
// Wire form on <prefix>.rates (compacted): key "agent:<id>" | "tenant:<id>", value JSON
// { v: RATE_FORMAT, scope, id, tenantId, perMinute, atMs }. RateTable is what a verdict instance keeps: the latest
// signal per subject; a signal counts for one minute after its event time (the window it measured), then the rate
// reads 0 — an agent that stopped sends no more signals. Pure: time is passed in.
import { ArbiterError } from '../core/errors.ts';
import type { RateSignal } from './correlate.ts';

export const RATE_FORMAT = 1;
/** How long a signal stands for the subject's rate: the length of the window it measured. */
export const RATE_VALID_MS = 60_000;

export function rateSignalKey(s: Pick<RateSignal, 'scope' | 'id'>): string {
  return `${s.scope}:${s.id}`;
}

export function encodeRateSignal(s: RateSignal): Buffer {
  return Buffer.from(JSON.stringify({ v: RATE_FORMAT, scope: s.scope, id: s.id, tenantId: s.tenantId, perMinute: s.perMinute, atMs: s.atMs }));
}

/** Throws ARB_RATE_SIGNAL_INVALID naming what is wrong. */
export function decodeRateSignal(value: Buffer): RateSignal {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(value.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ArbiterError('ARB_RATE_SIGNAL_INVALID', `rate signal is not JSON: ${(error as Error).message}`);
  }
  const bad = (why: string): never => {
    throw new ArbiterError('ARB_RATE_SIGNAL_INVALID', `rate signal ${JSON.stringify(v).slice(0, 200)}: ${why}`);
  };
  if (typeof v !== 'object' || v === null) return bad('not an object');
  if (v['v'] !== RATE_FORMAT) return bad(`format ${String(v['v'])} is not ${RATE_FORMAT}`);
  const { scope, id, tenantId, perMinute, atMs } = v;
  if (scope !== 'agent' && scope !== 'tenant') return bad('scope must be agent or tenant');
  if (typeof id !== 'string' || id === '' || typeof tenantId !== 'string') return bad('id and tenantId must be strings');
  if (typeof perMinute !== 'number' || !(perMinute >= 0)) return bad('perMinute must be a number ≥ 0');
  if (typeof atMs !== 'number' || !Number.isSafeInteger(atMs)) return bad('atMs must be an integer');
  return { scope, id, tenantId, perMinute, atMs };
}

export interface CrossSessionRates {
  readonly agentRatePerMinute: number;
  readonly tenantRatePerMinute: number;
}

export class RateTable {
  readonly #agents = new Map<string, RateSignal>();
  readonly #tenants = new Map<string, RateSignal>();

  /** Keeps the signal unless a later one for the subject is already held (partitions may interleave on replay). */
  apply(s: RateSignal): void {
    const table = s.scope === 'agent' ? this.#agents : this.#tenants;
    const held = table.get(s.id);
    if (held === undefined || held.atMs <= s.atMs) table.set(s.id, s);
  }

  /** The agent's and its tenant's proposals per minute as of `nowMs` (0 when no signal from the last minute). */
  ratesFor(agentId: string, tenantId: string, nowMs: number): CrossSessionRates {
    return { agentRatePerMinute: current(this.#agents.get(agentId), nowMs), tenantRatePerMinute: current(this.#tenants.get(tenantId), nowMs) };
  }

  get size(): number {
    return this.#agents.size + this.#tenants.size;
  }
}

function current(s: RateSignal | undefined, nowMs: number): number {
  return s === undefined || nowMs - s.atMs >= RATE_VALID_MS ? 0 : s.perMinute;
}
