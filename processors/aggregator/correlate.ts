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

export type Emission =
  | { readonly kind: 'alert'; readonly alert: TrajectoryAlert }
  | { readonly kind: 'taint'; readonly taint: TaintInjection };

/** Alert kinds on the alerts topic. A quarantine is an alert of its own kind (facts: scope, untilMs, cause). */
export const ALERT_KINDS = {
  agentRate: 'agent-rate', tenantExport: 'tenant-export-volume', sourceSpread: 'untrusted-source-spread',
  memoryTaint: 'memory-taint', quarantine: 'quarantine',
} as const;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const BUCKETS = 12;
/** A memory tool's proposal waits this long for its result before it is forgotten. */
const PENDING_TTL_MS = 10 * MINUTE_MS;
const SWEEP_EVERY_MS = MINUTE_MS;
/** Session ids listed in an alert (the count is in its facts). */
const MAX_LISTED_SESSIONS = 20;

/** An agent's or tenant's window, and until when its detector stays quiet after an alert. */
interface Counted {
  readonly window: BucketWindow;
  quietUntil: number;
}
/** Sessions one untrusted source reached (session -> last time), and until when the detector stays quiet. */
interface Reach {
  readonly sessions: Map<string, number>;
  quietUntil: number;
}
interface TaintedSession {
  sources: readonly string[];
  atMs: number;
}
interface MemoryEntry {
  readonly writerSession: string;
  readonly sources: readonly string[];
  readonly atMs: number;
  /** Sessions already tainted through this entry (one taint and one alert each). */
  readonly readers: Set<string>;
}
interface PendingMemoryCall {
  readonly op: MemoryToolSpec['op'];
  readonly key: string;
  readonly atMs: number;
}

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
  readonly #agentCalls = new Map<string, Counted>();
  readonly #tenantRecords = new Map<string, Counted>();
  readonly #sourceSessions = new Map<string, Reach>();
  readonly #tainted = new Map<string, TaintedSession>();
  readonly #memory = new Map<string, MemoryEntry>();
  readonly #pending = new Map<string, PendingMemoryCall>();
  #now = 0;
  #lastSweep = 0;
  #out: Emission[] | undefined;

  constructor(thresholds: Thresholds) {
    this.#t = thresholds;
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
    if (this.#now - this.#lastSweep >= SWEEP_EVERY_MS) this.#sweep();
    return this.#out ?? NOTHING;
  }

  /** The emissions of the event being folded (allocated on the first one: most events emit nothing). */
  #emit(e: Emission): void {
    (this.#out ??= []).push(e);
  }

  get stats(): CorrelatorStats {
    return {
      agents: this.#agentCalls.size, tenants: this.#tenantRecords.size, sources: this.#sourceSessions.size,
      taintedSessions: this.#tainted.size, memoryEntries: this.#memory.size, pending: this.#pending.size,
    };
  }

  #proposal(p: ProposalSeen, args: Args | undefined): void {
    const at = p.createdAtMs;
    if (at > this.#now) this.#now = at;
    if (this.#t.agentCallsPerMinute > 0) {
      let agent = this.#agentCalls.get(p.agentId);
      if (agent === undefined) this.#agentCalls.set(p.agentId, (agent = { window: new BucketWindow(MINUTE_MS, BUCKETS), quietUntil: 0 }));
      const calls = agent.window.add(at, 1);
      if (calls > this.#t.agentCallsPerMinute && this.#speak(agent, 'agent-rate', at)) {
        this.#emit(this.#alert(ALERT_KINDS.agentRate, 'high', p.tenantId, p.agentId, [p.sessionId], at,
          `agent ${p.agentId} made ${calls} proposals in the last minute across its sessions (threshold ${this.#t.agentCallsPerMinute})`,
          { callsPerMinute: String(calls), threshold: String(this.#t.agentCallsPerMinute) }));
        this.#quarantine('agent-rate', 'agent', p.tenantId, p.agentId, at);
      }
    }
    const spec = this.#memoryTools.get(p.tool);
    if (spec !== undefined && args !== undefined) {
      const key = memoryKey(spec, args);
      if (key !== undefined) this.#pending.set(p.proposalId, { op: spec.op, key, atMs: at });
    }
  }

  #result(r: ResultSeen): void {
    const at = r.completedAtMs;
    if (at > this.#now) this.#now = at;
    // Only a memory tool's result can settle a pending call (checked first: cheaper than hashing the proposal id).
    const pending = this.#pending.size === 0 || !this.#memoryTools.has(r.tool) ? undefined : this.#pending.get(r.proposalId);
    if (pending !== undefined) this.#pending.delete(r.proposalId);
    if (r.outcome !== 'success') return;
    if (this.#t.tenantRecordsPerHour > 0) this.#tenantExport(r, at);
    if (r.untrustedSources.length > 0) this.#taintedBy(r, r.untrustedSources, at);
    if (pending !== undefined) this.#memoryAccess(r, pending, at);
  }

  #tenantExport(r: ResultSeen, at: number): void {
    let records = 0;
    for (const label in r.recordsRead) records += r.recordsRead[label] as number;
    if (!(records > 0)) return;
    let tenant = this.#tenantRecords.get(r.tenantId);
    if (tenant === undefined) this.#tenantRecords.set(r.tenantId, (tenant = { window: new BucketWindow(HOUR_MS, BUCKETS), quietUntil: 0 }));
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
    const seen = this.#tainted.get(r.sessionId);
    if (seen === undefined) this.#tainted.set(r.sessionId, { sources: [...sources], atMs: at });
    else {
      seen.atMs = at;
      for (const s of sources) if (!seen.sources.includes(s)) seen.sources = [...seen.sources, s];
    }
    if (this.#t.sourceSessions <= 0) return;
    for (const source of sources) {
      let reach = this.#sourceSessions.get(source);
      if (reach === undefined) this.#sourceSessions.set(source, (reach = { sessions: new Map(), quietUntil: 0 }));
      const sessions = reach.sessions;
      sessions.set(r.sessionId, at);
      // Expired sessions are pruned only when an alert is possible (over the threshold, not quiet): O(1) otherwise.
      if (sessions.size <= this.#t.sourceSessions || at < reach.quietUntil) continue;
      for (const [s, t] of sessions) if (t <= at - this.#t.sourceWindowMs) sessions.delete(s);
      if (sessions.size > this.#t.sourceSessions && this.#speak(reach, 'source-spread', at)) {
        this.#emit(this.#alert(ALERT_KINDS.sourceSpread, 'high', r.tenantId, r.agentId, [...sessions.keys()].slice(-MAX_LISTED_SESSIONS), at,
          `untrusted source ${source} reached ${sessions.size} sessions within ${this.#t.sourceWindowMs} ms (threshold ${this.#t.sourceSessions})`,
          { source, sessions: String(sessions.size), threshold: String(this.#t.sourceSessions), windowMs: String(this.#t.sourceWindowMs) }));
      }
    }
  }

  #memoryAccess(r: ResultSeen, call: PendingMemoryCall, at: number): void {
    if (call.op === 'write') {
      const writer = this.#tainted.get(r.sessionId);
      // A clean write does not clear an earlier tainted one: the memory may append, and taint must not be lost.
      if (writer !== undefined) this.#memory.set(call.key, { writerSession: r.sessionId, sources: writer.sources, atMs: at, readers: new Set() });
      return;
    }
    const entry = this.#memory.get(call.key);
    if (entry === undefined || entry.writerSession === r.sessionId || entry.readers.has(r.sessionId)) return;
    entry.readers.add(r.sessionId);
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

  /** Drops what can no longer matter as of the newest event time. */
  #sweep(): void {
    const now = this.#now;
    this.#lastSweep = now;
    for (const [k, c] of this.#agentCalls) if (c.quietUntil <= now && c.window.isEmpty(now)) this.#agentCalls.delete(k);
    for (const [k, c] of this.#tenantRecords) if (c.quietUntil <= now && c.window.isEmpty(now)) this.#tenantRecords.delete(k);
    for (const [source, reach] of this.#sourceSessions) {
      for (const [s, t] of reach.sessions) if (t <= now - this.#t.sourceWindowMs) reach.sessions.delete(s);
      if (reach.sessions.size === 0 && reach.quietUntil <= now) this.#sourceSessions.delete(source);
    }
    for (const [k, s] of this.#tainted) if (s.atMs <= now - this.#t.memoryTtlMs) this.#tainted.delete(k);
    for (const [k, m] of this.#memory) if (m.atMs <= now - this.#t.memoryTtlMs) this.#memory.delete(k);
    for (const [k, p] of this.#pending) if (p.atMs <= now - PENDING_TTL_MS) this.#pending.delete(k);
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
