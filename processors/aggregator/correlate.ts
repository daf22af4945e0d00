// The cross-session correlator: a deterministic fold over proposals and results of every session, with windows.
// `proposal(p, args)` / `result(r)` (or `observe(event)`) fold one event in and return what it caused: alerts (TrajectoryAlert, incl. quarantine) and
// taints to inject into other sessions. Time comes from the events (createdAtMs / completedAtMs), never a clock,
// so the same input gives the same output, alert ids included (a redelivered batch repeats the same ids).
// The state is mutated in place for throughput (this runs on every event of every session); it is private to
// the instance and bounded: stale keys are swept once per sweep interval of event time.
//
// Detectors (thresholds.ts):
// - agent-rate: one agent's proposals over a sliding minute, across all its sessions;
// - tenant-export: records read by one tenant's agents (successful results) over a sliding hour;
// - source-spread: distinct sessions one untrusted source tainted within a window;
// - memory-taint: a session tainted by untrusted content writes a memory entry (a memory `write` tool, key from
//   its declared key arguments); when another session reads that entry, the reader is tainted with the source
//   "memory:<key>" (emitted as a taint the verdict processor folds like a result) and an alert is raised.
import type { ArgValue, Args, ToolCallProposal, ToolCallResult } from '../core/types.ts';
import type { AlertSeverity } from '../../schemas/generated/AlertSeverity.ts';
import type { TrajectoryAlert } from '../../schemas/generated/TrajectoryAlert.ts';
import type { DetectorName, MemoryToolSpec, Thresholds } from './thresholds.ts';
import { BUCKETS, CorrelatorState, HOUR_MS, MINUTE_MS, type Counted, type PendingMemoryCall } from './state.ts';
import { BucketWindow } from './window.ts';

/** The fields of a proposal the correlator reads (a decoded wire proposal has them; its args are typed apart). */
export type ProposalSeen = Pick<ToolCallProposal, 'proposalId' | 'sessionId' | 'agentId' | 'tenantId' | 'tool' | 'createdAtMs'>;
/** The fields of a result the correlator reads (a decoded wire result has them as they are). */
export type ResultSeen = Pick<ToolCallResult,
  'proposalId' | 'sessionId' | 'agentId' | 'userId' | 'tenantId' | 'tool' | 'outcome' | 'recordsRead' | 'untrustedSources' | 'completedAtMs'>;

export type CorrelatorEvent =
  | { readonly kind: 'proposal'; readonly proposal: ToolCallProposal }
  | { readonly kind: 'result'; readonly result: ResultSeen };

const NOTHING: readonly Emission[] = Object.freeze([]);

/** Untrusted content reached `sessionId` through shared memory; the verdict processor must see it as taint. */
export interface TaintInjection {
  readonly sessionId: string;
  readonly agentId: string;
  readonly userId: string;
  readonly tenantId: string;
  /** "memory:<key>" */
  readonly source: string;
  /** The sources that tainted the writer (for the audit). */
  readonly via: readonly string[];
  readonly atMs: number;
}

/** An agent's or tenant's proposals over the sliding minute, all sessions (what `session.rate.agent|tenant` read). */
export interface RateSignal {
  readonly scope: 'agent' | 'tenant';
  /** The agent or tenant id. */
  readonly id: string;
  readonly tenantId: string;
  readonly perMinute: number;
  readonly atMs: number;
}

export type Emission =
  | { readonly kind: 'alert'; readonly alert: TrajectoryAlert }
  | { readonly kind: 'taint'; readonly taint: TaintInjection }
  | { readonly kind: 'rate'; readonly rate: RateSignal };

/** Alert kinds on the alerts topic. A quarantine is an alert of its own kind (facts: scope, untilMs, cause). */
export const ALERT_KINDS = {
  agentRate: 'agent-rate', tenantExport: 'tenant-export-volume', sourceSpread: 'untrusted-source-spread',
  memoryTaint: 'memory-taint', quarantine: 'quarantine',
} as const;

/** A memory tool's proposal waits this long for its result before it is forgotten. */
const PENDING_TTL_MS = 10 * MINUTE_MS;
const SWEEP_EVERY_MS = MINUTE_MS;
/** Session ids listed in an alert (the count is in its facts). */
const MAX_LISTED_SESSIONS = 20;


export interface CorrelatorStats {
  readonly agents: number;
  readonly tenants: number;
  readonly sources: number;
  readonly taintedSessions: number;
  readonly memoryEntries: number;
  readonly pending: number;
}

export class Correlator {
  readonly #t: Thresholds;
  readonly #memoryTools: ReadonlyMap<string, MemoryToolSpec>;
  readonly #quarantines: ReadonlySet<DetectorName>;
  /** How long each detector stays quiet for a subject after alerting (at least the quarantine, when it quarantines). */
  readonly #quietMs: Readonly<Record<DetectorName, number>>;
  /** The windows and memories; with change tracking when the caller keeps a changelog (state.ts). */
  readonly state: CorrelatorState;
  #out: Emission[] | undefined;

  constructor(thresholds: Thresholds, options: { trackChanges?: boolean } = {}) {
    this.#t = thresholds;
    this.state = new CorrelatorState(options.trackChanges === true);
    this.#memoryTools = new Map(Object.entries(thresholds.memoryTools));
    this.#quarantines = new Set(thresholds.quarantineOn);
    const quiet = (d: DetectorName) => (this.#quarantines.has(d) ? Math.max(thresholds.cooldownMs, thresholds.quarantineMs) : thresholds.cooldownMs);
    this.#quietMs = { 'agent-rate': quiet('agent-rate'), 'tenant-export': quiet('tenant-export'), 'source-spread': quiet('source-spread'), 'memory-taint': 0 };
  }

  /** Folds one event in; returns the alerts and taints it caused (usually none). */
  observe(event: CorrelatorEvent): readonly Emission[] {
    return event.kind === 'proposal' ? this.proposal(event.proposal, event.proposal.args) : this.result(event.result);
  }

  /** True when proposals of this tool need their arguments (a memory tool); others may be folded without them. */
  needsArgs(tool: string): boolean {
    return this.#memoryTools.has(tool);
  }

  /** Folds a proposal in. `args` may be undefined unless needsArgs(p.tool). The result is shared when empty. */
  proposal(p: ProposalSeen, args: Args | undefined): readonly Emission[] {
    this.#out = undefined;
    this.#proposal(p, args);
    return this.#done();
  }

  result(r: ResultSeen): readonly Emission[] {
    this.#out = undefined;
    this.#result(r);
    return this.#done();
  }

  #done(): readonly Emission[] {
    if (this.state.now - this.state.lastSweep >= SWEEP_EVERY_MS) this.#sweep();
    return this.#out ?? NOTHING;
  }

  /** The emissions of the event being folded (allocated on the first one: most events emit nothing). */
  #emit(e: Emission): void {
    (this.#out ??= []).push(e);
  }

  get stats(): CorrelatorStats {
    const s = this.state;
    return {
      agents: s.agentCalls.size, tenants: s.tenantRecords.size, sources: s.sources.size,
      taintedSessions: s.tainted.size, memoryEntries: s.memory.size, pending: s.pendingCount,
    };
  }

  /** The subject's window (created when missing), marked changed. */
  #counted(map: Map<string, Counted>, category: 'a' | 'c' | 't', id: string, windowMs: number): Counted {
    let c = map.get(id);
    const existed = c !== undefined;
    if (c === undefined) map.set(id, (c = { window: new BucketWindow(windowMs, BUCKETS), quietUntil: 0, signalAt: -1, stamp: -1 }));
    this.state.touchCounted(category, id, c, existed);
    return c;
  }

  /** A rate signal for the subject when the last one is at least rateSignalMs of event time old. */
  #rate(c: Counted, scope: RateSignal['scope'], id: string, tenantId: string, perMinute: number, at: number): void {
    if (c.signalAt >= 0 && at - c.signalAt < this.#t.rateSignalMs) return;
    c.signalAt = at;
    this.#emit({ kind: 'rate', rate: { scope, id, tenantId, perMinute, atMs: at } });
  }

  #proposal(p: ProposalSeen, args: Args | undefined): void {
    const at = p.createdAtMs;
    if (at > this.state.now) this.state.now = at;
    const signals = this.#t.rateSignalMs > 0;
    if (signals) {
      const tenant = this.#counted(this.state.tenantCalls, 'c', p.tenantId, MINUTE_MS);
      this.#rate(tenant, 'tenant', p.tenantId, p.tenantId, tenant.window.add(at, 1), at);
    }
    if (this.#t.agentCallsPerMinute > 0 || signals) {
      const agent = this.#counted(this.state.agentCalls, 'a', p.agentId, MINUTE_MS);
      const calls = agent.window.add(at, 1);
      if (signals) this.#rate(agent, 'agent', p.agentId, p.tenantId, calls, at);
      if (this.#t.agentCallsPerMinute > 0 && calls > this.#t.agentCallsPerMinute && this.#speak(agent, 'agent-rate', at)) {
        this.#emit(this.#alert(ALERT_KINDS.agentRate, 'high', p.tenantId, p.agentId, [p.sessionId], at,
          `agent ${p.agentId} made ${calls} proposals in the last minute across its sessions (threshold ${this.#t.agentCallsPerMinute})`,
          { callsPerMinute: String(calls), threshold: String(this.#t.agentCallsPerMinute) }));
        this.#quarantine('agent-rate', 'agent', p.tenantId, p.agentId, at);
      }
    }
    const spec = this.#memoryTools.get(p.tool);
    if (spec !== undefined && args !== undefined) {
      const key = memoryKey(spec, args);
      if (key !== undefined) this.state.addPending(p.proposalId, { op: spec.op, key, atMs: at });
    }
  }

  #result(r: ResultSeen): void {
    const at = r.completedAtMs;
    if (at > this.state.now) this.state.now = at;
    // Only a memory tool's result can settle a pending call (checked first: cheaper than hashing the proposal id).
    const pending = this.state.pendingCount === 0 || !this.#memoryTools.has(r.tool) ? undefined : this.state.takePending(r.proposalId);
    if (r.outcome !== 'success') return;
    if (this.#t.tenantRecordsPerHour > 0) this.#tenantExport(r, at);
    if (r.untrustedSources.length > 0) this.#taintedBy(r, r.untrustedSources, at);
    if (pending !== undefined) this.#memoryAccess(r, pending, at);
  }

  #tenantExport(r: ResultSeen, at: number): void {
    let records = 0;
    for (const label in r.recordsRead) records += r.recordsRead[label] as number;
    if (!(records > 0)) return;
    const tenant = this.#counted(this.state.tenantRecords, 't', r.tenantId, HOUR_MS);
    const total = tenant.window.add(at, records);
    if (total > this.#t.tenantRecordsPerHour && this.#speak(tenant, 'tenant-export', at)) {
      this.#emit(this.#alert(ALERT_KINDS.tenantExport, 'high', r.tenantId, r.agentId, [r.sessionId], at,
        `tenant ${r.tenantId}'s agents read ${total} records in the last hour (threshold ${this.#t.tenantRecordsPerHour}); latest by agent ${r.agentId}`,
        { recordsPerHour: String(total), threshold: String(this.#t.tenantRecordsPerHour) }));
      this.#quarantine('tenant-export', 'tenant', r.tenantId, '', at);
    }
  }

  /** The session is tainted by `sources` from now on; counts the sessions each source reached. */
  #taintedBy(r: ResultSeen, sources: readonly string[], at: number): void {
    const seen = this.state.tainted.get(r.sessionId);
    this.state.touch('x', r.sessionId, seen !== undefined);
    if (seen === undefined) this.state.tainted.set(r.sessionId, { sources: [...sources], atMs: at });
    else {
      seen.atMs = at;
      for (const s of sources) if (!seen.sources.includes(s)) seen.sources = [...seen.sources, s];
    }
    if (this.#t.sourceSessions <= 0) return;
    for (const source of sources) {
      let reach = this.state.sources.get(source);
      if (reach === undefined) {
        this.state.sources.set(source, (reach = { sessions: new Map(), quietUntil: 0 }));
        this.state.touch('s', source, false);
      }
      const sessions = reach.sessions;
      if (this.state.tracking) this.state.touch('r', CorrelatorState.pairId(source, r.sessionId), sessions.has(r.sessionId));
      sessions.set(r.sessionId, at);
      // Expired sessions are pruned only when an alert is possible (over the threshold, not quiet): O(1) otherwise.
      if (sessions.size <= this.#t.sourceSessions || at < reach.quietUntil) continue;
      this.#prune(source, reach, at);
      if (sessions.size > this.#t.sourceSessions && this.#speak(reach, 'source-spread', at)) {
        this.state.touch('s', source, true);
        // The most recent sessions, by time then id: the same list whatever order the map was rebuilt in (restore).
        const listed = [...sessions].sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1)).slice(-MAX_LISTED_SESSIONS).map(([s]) => s);
        this.#emit(this.#alert(ALERT_KINDS.sourceSpread, 'high', r.tenantId, r.agentId, listed, at,
          `untrusted source ${source} reached ${sessions.size} sessions within ${this.#t.sourceWindowMs} ms (threshold ${this.#t.sourceSessions})`,
          { source, sessions: String(sessions.size), threshold: String(this.#t.sourceSessions), windowMs: String(this.#t.sourceWindowMs) }));
      }
    }
  }

  #memoryAccess(r: ResultSeen, call: PendingMemoryCall, at: number): void {
    if (call.op === 'write') {
      const writer = this.state.tainted.get(r.sessionId);
      // A clean write does not clear an earlier tainted one: the memory may append, and taint must not be lost.
      if (writer !== undefined) {
        this.state.touch('m', call.key, this.state.memory.has(call.key));
        this.state.memory.set(call.key, { writerSession: r.sessionId, sources: writer.sources, atMs: at, readers: new Set() });
      }
      return;
    }
    const entry = this.state.memory.get(call.key);
    if (entry === undefined || entry.writerSession === r.sessionId || entry.readers.has(r.sessionId)) return;
    entry.readers.add(r.sessionId);
    this.state.touch('m', call.key, true);
    const source = `memory:${call.key}`;
    this.#emit({ kind: 'taint', taint: {
      sessionId: r.sessionId, agentId: r.agentId, userId: r.userId, tenantId: r.tenantId, source, via: entry.sources, atMs: at,
    } });
    this.#emit(this.#alert(ALERT_KINDS.memoryTaint, 'medium', r.tenantId, r.agentId, [entry.writerSession, r.sessionId], at,
      `session ${r.sessionId} read memory ${call.key} written by tainted session ${entry.writerSession} (sources ${entry.sources.join(', ')}); the reader is now tainted`,
      { memoryKey: call.key, writerSession: entry.writerSession, readerSession: r.sessionId, sources: entry.sources.join(',') }));
    // The reader now carries the taint too: what it writes to memory next is tainted in turn.
    this.#taintedBy(r, [source], at);
  }

  #quarantine(cause: DetectorName, scope: 'agent' | 'tenant', tenantId: string, agentId: string, at: number): void {
    if (!this.#quarantines.has(cause)) return;
    const untilMs = at + this.#t.quarantineMs;
    const subject = scope === 'agent' ? `agent ${agentId}` : `tenant ${tenantId}`;
    this.#emit(this.#alert(ALERT_KINDS.quarantine, 'critical', tenantId, agentId, [], at,
      `${subject} quarantined until ${new Date(untilMs).toISOString()} (${cause})`,
      { scope, untilMs: String(untilMs), cause }));
  }

  /** True when the detector may alert for this subject now; then it stays quiet for the cooldown (at least the quarantine). */
  #speak(subject: { quietUntil: number }, detector: DetectorName, at: number): boolean {
    if (at < subject.quietUntil) return false;
    subject.quietUntil = at + this.#quietMs[detector];
    return true;
  }

  #alert(kind: string, severity: AlertSeverity, tenantId: string, agentId: string, sessionIds: string[], at: number,
    summary: string, facts: Record<string, string>): Emission {
    const subject = kind === ALERT_KINDS.quarantine ? `${facts['scope']}:${facts['scope'] === 'tenant' ? tenantId : agentId}` : `${tenantId}/${agentId}`;
    return { kind: 'alert', alert: { alertId: `${kind}:${subject}:${at}`, kind, severity, tenantId, agentId, sessionIds, summary, facts, atMs: at } };
  }

  /** Forgets the sessions a source reached longer than the source window before `at`. */
  #prune(source: string, reach: { readonly sessions: Map<string, number> }, at: number): void {
    for (const [s, t] of reach.sessions) {
      if (t > at - this.#t.sourceWindowMs) continue;
      reach.sessions.delete(s);
      if (this.state.tracking) this.state.removed('r', CorrelatorState.pairId(source, s));
    }
  }

  /** Drops what can no longer matter as of the newest event time. */
  #sweep(): void {
    const s = this.state;
    const now = s.now;
    s.lastSweep = now;
    const drop = <V>(map: Map<string, V>, category: Parameters<CorrelatorState['removed']>[0], gone: (v: V) => boolean): void => {
      for (const [k, v] of map) {
        if (!gone(v)) continue;
        map.delete(k);
        s.removed(category, k);
      }
    };
    const idle = (c: Counted) => c.quietUntil <= now && c.window.isEmpty(now);
    drop(s.agentCalls, 'a', idle);
    drop(s.tenantCalls, 'c', idle);
    drop(s.tenantRecords, 't', idle);
    for (const [source, reach] of s.sources) this.#prune(source, reach, now);
    drop(s.sources, 's', (reach) => reach.sessions.size === 0 && reach.quietUntil <= now);
    drop(s.tainted, 'x', (t) => t.atMs <= now - this.#t.memoryTtlMs);
    drop(s.memory, 'm', (m) => m.atMs <= now - this.#t.memoryTtlMs);
    s.expirePending(now - PENDING_TTL_MS);
  }
}

/** The memory entry a call addresses: its key arguments' values joined by "/"; undefined when one is missing. */
export function memoryKey(spec: MemoryToolSpec, args: { readonly [name: string]: ArgValue }): string | undefined {
  const parts: string[] = [];
  for (const name of spec.keyArgs) {
    const v = args[name];
    if (v === undefined || v === null) return undefined;
    parts.push(typeof v === 'string' ? v : JSON.stringify(v));
  }
  return parts.join('/');
}
