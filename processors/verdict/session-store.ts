// What the verdict processor keeps per session and per input partition, and its changelog form.
// Per session: the trajectory state (decoded, in memory) and the latest verdicts by proposal id (as sent), so an
// agent's retry of a proposal gets the same verdict, even after a restart or rebalance, without a new decision.
// Per partition: the head of the decisions hash chain for the decisions partition this input partition writes to;
// it lives on the same changelog partition under CHAIN_HEAD_KEY so it is restored (and committed) with the sessions.
// Changelog records (all SessionStateSnapshot values, on the session's input partition):
// - key = NUL 'v' slot NUL session id: one sent verdict, written once, in the commit that sends it; slot = its
//   sequence in the session mod RECENT_VERDICTS, so compaction keeps exactly the window, and restore assembles it
//   (SessionRestore). Writing the window with every state change cost ~5 KiB per record once warm (docs/decisions.md).
//   The last slot record a commit writes for a session also carries the session's state as of that commit
//   (format 2; the others are format 1, the verdict only), and a change of state without a new verdict rewrites
//   the latest verdict's slot with the new state: one record per verdict instead of a slot plus a state record.
// - key = session id: the state only (recentVerdicts empty), for a session with no verdict yet (and as written
//   before format 2 slots existed).
// Restore: a session's state is the one in its latest state-bearing record in log order. Every record written to a
// session's keys since format 2 carries its state except format 1 slots, and those are always followed in the same
// commit by a format 2 slot; compaction only removes a record under a later one of the same key, so the latest
// state-bearing record is never compacted away.
import type { ChainHead } from '../core/chain.ts';
import type { SessionStateSnapshot } from '../../schemas/generated/SessionStateSnapshot.ts';
import { EMPTY_STATE, STATE_FORMAT, deserializeState, serializeState, type SessionState } from '../trajectory/index.ts';

/** Verdicts remembered per session for dedup of retried proposals. */
export const RECENT_VERDICTS = 32;
/** Changelog key of a partition's chain head; session ids never start with NUL. */
export const CHAIN_HEAD_KEY = '\u0000chain-head';
const CHAIN_HEAD_FORMAT = 1;
/** Format (snapshot version) of a verdict slot record; its state is the verdict's sequence in the session as JSON. */
const VERDICT_SLOT_FORMAT = 1;
/** Format of a verdict slot record that also carries the session's state: its state is the verdict's sequence
 *  (SEQ_BYTES, big-endian) followed by the serialized session state. */
const VERDICT_SLOT_STATE_FORMAT = 2;
const SEQ_BYTES = 6;
/** Verdict slot keys start with NUL like CHAIN_HEAD_KEY, so no session id (which never does) can be taken for one. */
const SLOT_PREFIX = '\u0000v';

export interface RecentVerdict {
  readonly proposalId: string;
  /** The Verdict value exactly as it was sent (Confluent wire format). */
  readonly verdict: Buffer;
  /** Position among the session's verdicts (0 = first); picks the changelog slot. */
  readonly seq: number;
}

export interface SessionEntry {
  readonly state: SessionState;
  /** Oldest first, at most RECENT_VERDICTS. */
  readonly recent: readonly RecentVerdict[];
  /** Sequence of the session's next verdict. */
  readonly nextSeq: number;
}

export const EMPTY_ENTRY: SessionEntry = Object.freeze({ state: EMPTY_STATE, recent: [], nextSeq: 0 });

export function findRecent(entry: SessionEntry, proposalId: string): RecentVerdict | undefined {
  for (let i = entry.recent.length - 1; i >= 0; i--) {
    const r = entry.recent[i] as RecentVerdict;
    if (r.proposalId === proposalId) return r;
  }
  return undefined;
}

export function withVerdict(entry: SessionEntry, state: SessionState, sent: { proposalId: string; verdict: Buffer }): SessionEntry {
  const kept = entry.recent.length >= RECENT_VERDICTS ? entry.recent.slice(entry.recent.length - RECENT_VERDICTS + 1) : entry.recent;
  return { state, recent: [...kept, { ...sent, seq: entry.nextSeq }], nextSeq: entry.nextSeq + 1 };
}

/** The session's state record (its verdicts are separate slot records). */
export function entryToSnapshot(sessionId: string, entry: SessionEntry, nowMs: number): SessionStateSnapshot {
  return { sessionId, version: STATE_FORMAT, state: serializeState(entry.state), updatedAtMs: nowMs, recentVerdicts: [] };
}

/** A state record alone. Records written before slot records existed carry the window inline: it is kept. */
export function entryFromSnapshot(s: SessionStateSnapshot): SessionEntry {
  return {
    state: deserializeState(s.state, s.sessionId),
    recent: s.recentVerdicts.map((r, seq) => ({ proposalId: r.proposalId, verdict: Buffer.from(r.verdict), seq })),
    nextSeq: s.recentVerdicts.length,
  };
}

export function verdictSlotKey(sessionId: string, seq: number): string {
  return `${SLOT_PREFIX}${seq % RECENT_VERDICTS}\u0000${sessionId}`;
}

export function isVerdictSlotKey(key: string): boolean {
  return key.startsWith(SLOT_PREFIX);
}

function sessionOfSlotKey(key: string): string {
  return key.slice(key.indexOf('\u0000', SLOT_PREFIX.length) + 1);
}

/** A verdict slot record; with `state`, it also carries the session's state (format 2). */
export function verdictToSnapshot(sessionId: string, r: RecentVerdict, nowMs: number, state?: SessionState): SessionStateSnapshot {
  const recentVerdicts = [{ proposalId: r.proposalId, verdict: r.verdict }];
  if (state === undefined) {
    return { sessionId, version: VERDICT_SLOT_FORMAT, state: Buffer.from(JSON.stringify({ seq: r.seq })), updatedAtMs: nowMs, recentVerdicts };
  }
  const serialized = serializeState(state);
  const bytes = Buffer.allocUnsafe(SEQ_BYTES + serialized.length);
  bytes.writeUIntBE(r.seq, 0, SEQ_BYTES);
  serialized.copy(bytes, SEQ_BYTES);
  return { sessionId, version: VERDICT_SLOT_STATE_FORMAT, state: bytes, updatedAtMs: nowMs, recentVerdicts };
}

/** A slot record read back: its verdict, and the session's state when it carries one (format 2). */
export function slotFromSnapshot(s: SessionStateSnapshot): { verdict: RecentVerdict; state: SessionState | undefined } {
  const malformed = (): Error =>
    new Error(`verdict slot record of session ${JSON.stringify(s.sessionId)} is malformed (version ${s.version}, ${s.recentVerdicts.length} verdicts, ${s.state.length} state bytes)`);
  const only = s.recentVerdicts[0];
  if (only === undefined || s.recentVerdicts.length !== 1) throw malformed();
  let seq: unknown;
  let state: SessionState | undefined;
  if (s.version === VERDICT_SLOT_FORMAT) {
    seq = (JSON.parse(s.state.toString('utf8')) as { seq: unknown }).seq;
  } else if (s.version === VERDICT_SLOT_STATE_FORMAT && s.state.length > SEQ_BYTES) {
    seq = Buffer.from(s.state.buffer, s.state.byteOffset, s.state.length).readUIntBE(0, SEQ_BYTES);
    state = deserializeState(s.state.subarray(SEQ_BYTES), s.sessionId);
  } else {
    throw malformed();
  }
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw malformed();
  return { verdict: { proposalId: only.proposalId, verdict: Buffer.from(only.verdict), seq }, state };
}

export function verdictFromSnapshot(s: SessionStateSnapshot): RecentVerdict {
  return slotFromSnapshot(s).verdict;
}

/** Collects one partition's restored records, latest per key (log order), then assembles the session entries. */
export class SessionRestore {
  readonly #states = new Map<string, SessionEntry>();
  readonly #slots = new Map<string, Map<string, RecentVerdict>>();

  /** One changelog record of a session (any key but the chain head's), in log order; undefined: a tombstone. */
  record(key: string, snapshot: SessionStateSnapshot | undefined): void {
    if (!isVerdictSlotKey(key)) {
      this.state(key, snapshot === undefined ? undefined : entryFromSnapshot(snapshot));
    } else if (snapshot === undefined) {
      this.slot(key, undefined);
    } else {
      const { verdict, state } = slotFromSnapshot(snapshot);
      this.slot(key, verdict, state);
    }
  }

  state(sessionId: string, entry: SessionEntry | undefined): void {
    if (entry === undefined) this.#states.delete(sessionId);
    else this.#states.set(sessionId, entry);
  }

  /** A slot record (undefined: a tombstone); `state`, when it carries one, becomes the session's state (log order). */
  slot(key: string, verdict: RecentVerdict | undefined, state?: SessionState): void {
    const sessionId = sessionOfSlotKey(key);
    if (state !== undefined) this.#states.set(sessionId, { ...(this.#states.get(sessionId) ?? EMPTY_ENTRY), state });
    let slots = this.#slots.get(sessionId);
    if (!slots) this.#slots.set(sessionId, (slots = new Map()));
    if (verdict === undefined) slots.delete(key);
    else slots.set(key, verdict);
  }

  /** Every session with a state or a verdict (a session whose state record was unreadable keeps its verdicts). */
  *entries(): Iterable<[string, SessionEntry]> {
    for (const sessionId of new Set([...this.#states.keys(), ...this.#slots.keys()])) {
      const base = this.#states.get(sessionId) ?? EMPTY_ENTRY;
      const slots = this.#slots.get(sessionId);
      if (slots === undefined || slots.size === 0) {
        yield [sessionId, base];
        continue;
      }
      // Inline (pre-slot) verdicts fill only slots no slot record holds with a later verdict.
      const bySlot = new Map<number, RecentVerdict>();
      for (const r of [...base.recent, ...slots.values()]) {
        const at = r.seq % RECENT_VERDICTS;
        if ((bySlot.get(at)?.seq ?? -1) < r.seq) bySlot.set(at, r);
      }
      const recent = [...bySlot.values()].sort((a, b) => a.seq - b.seq);
      const last = recent[recent.length - 1] as RecentVerdict;
      yield [sessionId, { state: base.state, recent, nextSeq: Math.max(base.nextSeq, last.seq + 1) }];
    }
  }
}

export function chainHeadToSnapshot(head: ChainHead, nowMs: number): SessionStateSnapshot {
  const state = Buffer.from(JSON.stringify({ nextSeq: head.nextSeq, lastHash: head.lastHash }));
  return { sessionId: CHAIN_HEAD_KEY, version: CHAIN_HEAD_FORMAT, state, updatedAtMs: nowMs, recentVerdicts: [] };
}

export function chainHeadFromSnapshot(partition: number, s: SessionStateSnapshot): ChainHead {
  const { nextSeq, lastHash } = JSON.parse(s.state.toString('utf8')) as { nextSeq: number; lastHash: string };
  return { partition, nextSeq, lastHash };
}
