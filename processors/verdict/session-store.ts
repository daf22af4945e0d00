// What the verdict processor keeps per session and per input partition, and its changelog form.
// Per session: the trajectory state (decoded, in memory) and the latest verdicts by proposal id (as sent), so an
// agent's retry of a proposal gets the same verdict, even after a restart or rebalance, without a new decision.
// Per partition: the head of the decisions hash chain for the decisions partition this input partition writes to;
// it lives on the same changelog partition under CHAIN_HEAD_KEY so it is restored (and committed) with the sessions.
import type { ChainHead } from '../core/chain.ts';
import type { SessionStateSnapshot } from '../../schemas/generated/SessionStateSnapshot.ts';
import { EMPTY_STATE, STATE_FORMAT, deserializeState, serializeState, type SessionState } from '../trajectory/index.ts';

/** Verdicts remembered per session for dedup of retried proposals. */
export const RECENT_VERDICTS = 32;
/** Changelog key of a partition's chain head; session ids never start with NUL. */
export const CHAIN_HEAD_KEY = '\u0000chain-head';
const CHAIN_HEAD_FORMAT = 1;

export interface RecentVerdict {
  readonly proposalId: string;
  /** The Verdict value exactly as it was sent (Confluent wire format). */
  readonly verdict: Buffer;
}

export interface SessionEntry {
  readonly state: SessionState;
  readonly recent: readonly RecentVerdict[];
}

export const EMPTY_ENTRY: SessionEntry = Object.freeze({ state: EMPTY_STATE, recent: [] });

export function findRecent(entry: SessionEntry, proposalId: string): RecentVerdict | undefined {
  for (let i = entry.recent.length - 1; i >= 0; i--) {
    const r = entry.recent[i] as RecentVerdict;
    if (r.proposalId === proposalId) return r;
  }
  return undefined;
}

export function withVerdict(entry: SessionEntry, state: SessionState, recent: RecentVerdict): SessionEntry {
  const kept = entry.recent.length >= RECENT_VERDICTS ? entry.recent.slice(entry.recent.length - RECENT_VERDICTS + 1) : entry.recent;
  return { state, recent: [...kept, recent] };
}

export function entryToSnapshot(sessionId: string, entry: SessionEntry, nowMs: number): SessionStateSnapshot {
  return {
    sessionId, version: STATE_FORMAT, state: serializeState(entry.state), updatedAtMs: nowMs,
    recentVerdicts: entry.recent.map((r) => ({ proposalId: r.proposalId, verdict: r.verdict })),
  };
}

export function entryFromSnapshot(s: SessionStateSnapshot): SessionEntry {
  return {
    state: deserializeState(s.state, s.sessionId),
    recent: s.recentVerdicts.map((r) => ({ proposalId: r.proposalId, verdict: Buffer.from(r.verdict) })),
  };
}

export function chainHeadToSnapshot(head: ChainHead, nowMs: number): SessionStateSnapshot {
  const state = Buffer.from(JSON.stringify({ nextSeq: head.nextSeq, lastHash: head.lastHash }));
  return { sessionId: CHAIN_HEAD_KEY, version: CHAIN_HEAD_FORMAT, state, updatedAtMs: nowMs, recentVerdicts: [] };
}

export function chainHeadFromSnapshot(partition: number, s: SessionStateSnapshot): ChainHead {
  const { nextSeq, lastHash } = JSON.parse(s.state.toString('utf8')) as { nextSeq: number; lastHash: string };
  return { partition, nextSeq, lastHash };
}
