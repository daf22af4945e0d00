// The correlator's state and its changelog form. The Correlator (correlate.ts) mutates these maps in place; every
// mutation is reported here (touch/removed) so that changes() can list, once per commit, the latest value of each
// changed entry — what goes to the compacted changelog with the input offsets, in one transaction. restore() folds
// the changelog back in before the first batch. Change tracking is per category (no key concatenation on the hot
// path); an entry created and deleted between two commits writes nothing.
// Changelog record: key "<category>:<id>" (category one letter), value JSON (this topic is private to the
// aggregator: no registry subject; CHANGELOG_FORMAT in the clock entry guards the layout), null = deleted.
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

/** Categories of changelog entries: a = agent calls/min, c = tenant calls/min, t = tenant records/h, s = source,
 *  r = (source, session) reach, x = tainted session, m = memory entry, p = pending memory call, n = clock. */
export type Category = 'a' | 'c' | 't' | 's' | 'r' | 'x' | 'm' | 'p';
const CATEGORIES: readonly Category[] = ['a', 'c', 't', 's', 'r', 'x', 'm', 'p'];
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
  readonly pending = new Map<string, PendingMemoryCall>();
  /** Newest event time seen, and the event time of the last sweep. */
  now = 0;
  lastSweep = 0;
  /** Per category: id -> created since the last changes() (undefined: changes are not tracked). */
  readonly #changed: Record<Category, Map<string, boolean>> | undefined;

  constructor(trackChanges: boolean) {
    this.#changed = trackChanges ? { a: new Map(), c: new Map(), t: new Map(), s: new Map(), r: new Map(), x: new Map(), m: new Map(), p: new Map() } : undefined;
  }

  get tracking(): boolean {
    return this.#changed !== undefined;
  }

  /** Entry `id` of `category` was set or changed; `existed`: it was there before this change. */
  touch(category: Category, id: string, existed: boolean): void {
    const changed = this.#changed?.[category];
    if (changed !== undefined && !changed.has(id)) changed.set(id, !existed);
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
    const out: ChangelogEntry[] = [];
    for (const category of CATEGORIES) {
      const ids = changed[category];
      if (ids.size === 0) continue;
      for (const id of ids.keys()) out.push({ key: `${category}:${id}`, value: this.#encode(category, id) });
      ids.clear();
    }
    if (out.length > 0) out.push({ key: CLOCK_KEY, value: JSON.stringify({ v: CHANGELOG_FORMAT, now: this.now, sweep: this.lastSweep }) });
    return out;
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
      case 'p': {
        const p = this.pending.get(id);
        return p === undefined ? null : JSON.stringify({ op: p.op, k: p.key, at: p.atMs });
      }
    }
  }

  /** Folds one changelog record in (restore; not tracked). Throws ARB_AGG_STATE_INVALID on a malformed entry. */
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
        quietUntil: num(v?.['q'], 'quietUntil'), signalAt: num(v?.['s'], 'signalAt') };
    };
    switch (category) {
      case 'n':
        if (v === null) return;
        if (v['v'] !== CHANGELOG_FORMAT) bad(`format ${String(v['v'])} is not ${CHANGELOG_FORMAT}`);
        this.now = Math.max(this.now, num(v['now'], 'now'));
        this.lastSweep = num(v['sweep'], 'sweep');
        return;
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
      case 'p': {
        if (v === null) return void this.pending.delete(id);
        if ((v['op'] !== 'write' && v['op'] !== 'read') || typeof v['k'] !== 'string') return bad('op or key missing');
        this.pending.set(id, { op: v['op'], key: v['k'], atMs: num(v['at'], 'at') });
        return;
      }
      default:
        bad(`unknown category ${JSON.stringify(category)}`);
    }
  }
}
