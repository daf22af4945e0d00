// The correlator's state and its changelog form. The Correlator (correlate.ts) mutates these maps in place; every
// mutation is reported here (touch/removed) so that changes() can list, once per commit, the latest value of each
// changed entry — what goes to the compacted changelog with the input offsets, in one transaction. restore() folds
// the changelog back in before the first batch. Change tracking is per category (no key concatenation on the hot
// path); an entry created and deleted between two commits writes nothing.
// Changelog record: key "<category>:<id>" (category one letter), value JSON (this topic is private to the
// aggregator: no registry subject; CHANGELOG_FORMAT in the clock entry guards the layout), null = deleted.
// Memory calls waiting for their result are many and short-lived, and a proposal and its result are often read in
// different commits (the two topics are fetched independently), so they are not written one record each: the calls
// still waiting at a commit go out together as one "generation" (key "P:<gen>.<chunk>", up to PENDING_CHUNK calls per
// record), which gets its tombstones once every call in it was settled or expired. A restore may therefore bring back
// calls that were already settled when their generation was still open: their results were consumed before the
// committed offsets and never come again, so they only wait for the sweep (PENDING_TTL_MS) and change no output.
import { ArbiterError } from '../core/errors.ts';
import type { MemoryToolSpec } from './thresholds.ts';
import { BucketWindow, type WindowSnapshot } from './window.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const BUCKETS = 12;
export const CHANGELOG_FORMAT = 1;

/** An agent's or tenant's window, until when its detector stays quiet after an alert, and its last rate signal. */
export interface Counted {
  readonly window: BucketWindow;
  quietUntil: number;
  /** Event time of the last rate signal sent for this subject (-1: none). */
  signalAt: number;
  /** The change generation in which it was last marked changed (touchCounted: one flag test per event, no lookup). */
  stamp: number;
}
/** One untrusted source: until when its spread detector stays quiet; the sessions it reached are `reach` pairs. */
export interface Reach {
  readonly sessions: Map<string, number>;
  quietUntil: number;
}
export interface TaintedSession {
  sources: readonly string[];
  atMs: number;
}
export interface MemoryEntry {
  readonly writerSession: string;
  readonly sources: readonly string[];
  readonly atMs: number;
  /** Sessions already tainted through this entry (one taint and one alert each). */
  readonly readers: Set<string>;
}
export interface PendingMemoryCall {
  readonly op: MemoryToolSpec['op'];
  readonly key: string;
  readonly atMs: number;
}
/** A pending call and the changelog generation it was written in (-1: not yet written). */
interface Pending extends PendingMemoryCall {
  gen: number;
}
/** Pending calls per changelog record. */
const PENDING_CHUNK = 2_000;

/** Categories of changelog entries: a = agent calls/min, c = tenant calls/min, t = tenant records/h, s = source,
 *  r = (source, session) reach, x = tainted session, m = memory entry; P = a generation of pending memory calls,
 *  n = clock. */
export type Category = 'a' | 'c' | 't' | 's' | 'r' | 'x' | 'm';
const CATEGORIES: readonly Category[] = ['a', 'c', 't', 's', 'r', 'x', 'm'];
const CLOCK_KEY = 'n:';
const PAIR = '\u0000';

export interface ChangelogEntry {
  readonly key: string;
  /** JSON text, or null for a deleted entry. */
  readonly value: string | null;
}

export class CorrelatorState {
  readonly agentCalls = new Map<string, Counted>();
  readonly tenantCalls = new Map<string, Counted>();
  readonly tenantRecords = new Map<string, Counted>();
  readonly sources = new Map<string, Reach>();
  readonly tainted = new Map<string, TaintedSession>();
  readonly memory = new Map<string, MemoryEntry>();
  readonly #pending = new Map<string, Pending>();
  /** Proposal ids of the calls added since the last changes(). */
  #newPending: string[] = [];
  /** Per written generation: calls in it not settled yet, and how many records it was written as. */
  readonly #generations = new Map<number, { open: number; chunks: number }>();
  #nextGeneration = 0;
  /** Generations whose calls were all settled since the last changes(): their records get tombstones. */
  #closed: number[] = [];
  /** Newest event time seen, and the event time of the last sweep. */
  now = 0;
  lastSweep = 0;
  /** Counts changes() calls: the current change generation. */
  #generation = 0;
  /** Per category: id -> created since the last changes() (undefined: changes are not tracked). */
  readonly #changed: Record<Category, Map<string, boolean>> | undefined;

  constructor(trackChanges: boolean) {
    this.#changed = trackChanges ? { a: new Map(), c: new Map(), t: new Map(), s: new Map(), r: new Map(), x: new Map(), m: new Map() } : undefined;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** A memory call waits for its result. */
  addPending(proposalId: string, call: PendingMemoryCall): void {
    this.takePending(proposalId); // a repeated proposal replaces the call
    this.#pending.set(proposalId, { ...call, gen: -1 });
    if (this.#changed !== undefined) this.#newPending.push(proposalId);
  }

  /** The call waiting under this proposal id, removed; undefined when none. */
  takePending(proposalId: string): PendingMemoryCall | undefined {
    const p = this.#pending.get(proposalId);
    if (p === undefined) return undefined;
    this.#pending.delete(proposalId);
    if (p.gen >= 0) {
      const g = this.#generations.get(p.gen);
      if (g !== undefined && --g.open === 0) {
        this.#generations.delete(p.gen);
        this.#closed.push(p.gen);
        this.#chunksOf.set(p.gen, g.chunks);
      }
    }
    return p;
  }

  /** Removes the calls waiting since before `cutoffMs` (their result is not coming). */
  expirePending(cutoffMs: number): void {
    for (const [id, p] of this.#pending) if (p.atMs <= cutoffMs) this.takePending(id);
  }

  /** Chunk counts of the generations closed since the last changes() (for their tombstones). */
  readonly #chunksOf = new Map<number, number>();

  get tracking(): boolean {
    return this.#changed !== undefined;
  }

  /** Entry `id` of `category` was set or changed; `existed`: it was there before this change. */
  touch(category: Category, id: string, existed: boolean): void {
    const changed = this.#changed?.[category];
    if (changed !== undefined && !changed.has(id)) changed.set(id, !existed);
  }

  /** touch() for a window, which changes on nearly every event: after the first change in a generation it costs one
   *  comparison. */
  touchCounted(category: 'a' | 'c' | 't', id: string, c: Counted, existed: boolean): void {
    if (c.stamp === this.#generation || this.#changed === undefined) return;
    c.stamp = this.#generation;
    const changed = this.#changed[category];
    if (!changed.has(id)) changed.set(id, !existed);
  }

  /** Entry `id` of `category` was deleted. */
  removed(category: Category, id: string): void {
    const changed = this.#changed?.[category];
    if (changed === undefined) return;
    if (changed.get(id) === true) changed.delete(id); // created and deleted since the last commit: nothing to write
    else changed.set(id, false);
  }

  /** A (source, session) reach pair's id. */
  static pairId(source: string, sessionId: string): string {
    return `${source}${PAIR}${sessionId}`;
  }

  /** The latest value of every entry changed since the last call, plus the clock; starts a new generation. */
  changes(): ChangelogEntry[] {
    const changed = this.#changed;
    if (changed === undefined) return [];
    this.#generation++;
    const out: ChangelogEntry[] = [];
    for (const category of CATEGORIES) {
      const ids = changed[category];
      if (ids.size === 0) continue;
      for (const id of ids.keys()) out.push({ key: `${category}:${id}`, value: this.#encode(category, id) });
      ids.clear();
    }
    this.#pendingChanges(out);
    if (out.length > 0) {
      out.push({ key: CLOCK_KEY, value: JSON.stringify({ v: CHANGELOG_FORMAT, now: this.now, sweep: this.lastSweep, gen: this.#nextGeneration }) });
    }
    return out;
  }

  /** The calls added since the last commit and still waiting, as one new generation; tombstones of closed ones. */
  #pendingChanges(out: ChangelogEntry[]): void {
    for (const gen of this.#closed) {
      for (let c = 0; c < (this.#chunksOf.get(gen) ?? 0); c++) out.push({ key: `P:${gen}.${c}`, value: null });
      this.#chunksOf.delete(gen);
    }
    this.#closed = [];
    if (this.#newPending.length === 0) return;
    const gen = this.#nextGeneration++;
    const rows: [string, string, string, number][] = [];
    for (const id of this.#newPending) {
      const p = this.#pending.get(id);
      if (p === undefined || p.gen >= 0) continue; // settled meanwhile, or listed twice
      p.gen = gen;
      rows.push([id, p.op, p.key, p.atMs]);
    }
    this.#newPending = [];
    if (rows.length === 0) {
      this.#nextGeneration--;
      return;
    }
    const chunks = Math.ceil(rows.length / PENDING_CHUNK);
    this.#generations.set(gen, { open: rows.length, chunks });
    for (let c = 0; c < chunks; c++) out.push({ key: `P:${gen}.${c}`, value: JSON.stringify(rows.slice(c * PENDING_CHUNK, (c + 1) * PENDING_CHUNK)) });
  }

  #encode(category: Category, id: string): string | null {
    const counted = (c: Counted | undefined) => (c === undefined ? null : JSON.stringify({ w: c.window.snapshot(), q: c.quietUntil, s: c.signalAt }));
    switch (category) {
      case 'a': return counted(this.agentCalls.get(id));
      case 'c': return counted(this.tenantCalls.get(id));
      case 't': return counted(this.tenantRecords.get(id));
      case 's': {
        const r = this.sources.get(id);
        return r === undefined ? null : JSON.stringify({ q: r.quietUntil });
      }
      case 'r': {
        const cut = id.indexOf(PAIR);
        const t = this.sources.get(id.slice(0, cut))?.sessions.get(id.slice(cut + 1));
        return t === undefined ? null : JSON.stringify({ t });
      }
      case 'x': {
        const s = this.tainted.get(id);
        return s === undefined ? null : JSON.stringify({ src: s.sources, at: s.atMs });
      }
      case 'm': {
        const m = this.memory.get(id);
        return m === undefined ? null : JSON.stringify({ w: m.writerSession, src: m.sources, at: m.atMs, r: [...m.readers] });
      }
    }
  }

  /** Folds one changelog record in (restore; not tracked; call restoreDone() after the last one). Throws
   *  ARB_AGG_STATE_INVALID on a malformed entry. */
  restore(key: string, value: string | null): void {
    const cut = key.indexOf(':');
    const category = key.slice(0, cut);
    const id = key.slice(cut + 1);
    const bad = (why: string): never => {
      throw new ArbiterError('ARB_AGG_STATE_INVALID', `aggregator changelog entry ${JSON.stringify(key)}: ${why}`, { key });
    };
    let v: Record<string, unknown> | null = null;
    if (value !== null) {
      try {
        v = JSON.parse(value) as Record<string, unknown>;
      } catch (error) {
        return bad(`not JSON (${(error as Error).message})`);
      }
      if (typeof v !== 'object' || v === null) return bad('not an object');
    }
    const num = (x: unknown, what: string): number => (typeof x === 'number' && Number.isFinite(x) ? x : bad(`${what} is not a number`));
    const strings = (x: unknown, what: string): string[] => (Array.isArray(x) && x.every((s) => typeof s === 'string') ? x as string[] : bad(`${what} is not a list of strings`));
    const counted = (windowMs: number): Counted => {
      const w = v?.['w'] as WindowSnapshot | undefined;
      if (w === undefined || typeof w !== 'object' || !Array.isArray(w.counts)) return bad('window missing');
      return { window: BucketWindow.fromSnapshot(windowMs, BUCKETS, { head: num(w.head, 'window head'), counts: w.counts.map((c) => num(c, 'count')) }),
        quietUntil: num(v?.['q'], 'quietUntil'), signalAt: num(v?.['s'], 'signalAt'), stamp: -1 };
    };
    switch (category) {
      case 'n':
        if (v === null) return;
        if (v['v'] !== CHANGELOG_FORMAT) bad(`format ${String(v['v'])} is not ${CHANGELOG_FORMAT}`);
        this.now = Math.max(this.now, num(v['now'], 'now'));
        this.lastSweep = num(v['sweep'], 'sweep');
        this.#nextGeneration = Math.max(this.#nextGeneration, num(v['gen'], 'gen'));
        return;
      case 'P': return this.#restorePending(id, v === null ? null : (v as unknown), bad);
      case 'a': return void (v === null ? this.agentCalls.delete(id) : this.agentCalls.set(id, counted(MINUTE_MS)));
      case 'c': return void (v === null ? this.tenantCalls.delete(id) : this.tenantCalls.set(id, counted(MINUTE_MS)));
      case 't': return void (v === null ? this.tenantRecords.delete(id) : this.tenantRecords.set(id, counted(HOUR_MS)));
      case 's': {
        if (v === null) return void this.sources.delete(id);
        const r = this.sources.get(id);
        if (r === undefined) this.sources.set(id, { sessions: new Map(), quietUntil: num(v['q'], 'quietUntil') });
        else r.quietUntil = num(v['q'], 'quietUntil');
        return;
      }
      case 'r': {
        const pair = id.indexOf(PAIR);
        if (pair < 0) return bad('no session in the reach key');
        const source = id.slice(0, pair);
        if (v === null) return void this.sources.get(source)?.sessions.delete(id.slice(pair + 1));
        let r = this.sources.get(source);
        if (r === undefined) this.sources.set(source, (r = { sessions: new Map(), quietUntil: 0 }));
        r.sessions.set(id.slice(pair + 1), num(v['t'], 't'));
        return;
      }
      case 'x': return void (v === null ? this.tainted.delete(id) : this.tainted.set(id, { sources: strings(v['src'], 'src'), atMs: num(v['at'], 'at') }));
      case 'm': {
        if (v === null) return void this.memory.delete(id);
        if (typeof v['w'] !== 'string') return bad('writer session missing');
        this.memory.set(id, { writerSession: v['w'], sources: strings(v['src'], 'src'), atMs: num(v['at'], 'at'), readers: new Set(strings(v['r'], 'readers')) });
        return;
      }
      default:
        bad(`unknown category ${JSON.stringify(category)}`);
    }
  }

  /** Per restored pending record: the ids it listed (a later tombstone of the record removes them again). */
  readonly #restoredRecords = new Map<string, string[]>();

  #restorePending(id: string, rows: unknown, bad: (why: string) => never): void {
    const dot = id.indexOf('.');
    const gen = Number(id.slice(0, dot));
    if (dot < 0 || !Number.isSafeInteger(gen) || gen < 0) bad('pending record key is not <generation>.<chunk>');
    this.#nextGeneration = Math.max(this.#nextGeneration, gen + 1);
    if (rows === null) {
      for (const pid of this.#restoredRecords.get(id) ?? []) {
        const p = this.#pending.get(pid);
        if (p !== undefined && p.gen === gen) this.#pending.delete(pid);
      }
      this.#restoredRecords.delete(id);
      return;
    }
    if (!Array.isArray(rows)) bad('pending record is not a list');
    const ids: string[] = [];
    for (const row of rows as unknown[]) {
      const [pid, op, key, at] = Array.isArray(row) ? row as unknown[] : [];
      if (typeof pid !== 'string' || (op !== 'write' && op !== 'read') || typeof key !== 'string' || typeof at !== 'number') bad('pending row malformed');
      this.#pending.set(pid as string, { op: op as 'write' | 'read', key: key as string, atMs: at as number, gen });
      ids.push(pid as string);
    }
    this.#restoredRecords.set(id, ids);
  }

  /** After the last restore(): counts the open calls and records of each restored generation. */
  restoreDone(): void {
    this.#generations.clear();
    for (const p of this.#pending.values()) {
      const g = this.#generations.get(p.gen);
      if (g === undefined) this.#generations.set(p.gen, { open: 1, chunks: 0 });
      else g.open++;
    }
    for (const key of this.#restoredRecords.keys()) {
      const dot = key.indexOf('.');
      const g = this.#generations.get(Number(key.slice(0, dot)));
      if (g !== undefined) g.chunks = Math.max(g.chunks, Number(key.slice(dot + 1)) + 1);
    }
    this.#restoredRecords.clear();
  }
}
