// The cross-session correlator: a deterministic fold over proposals and results of every session, with windows.
// `observe(event)` folds one event in and returns what it caused: alerts (TrajectoryAlert, incl. quarantine) and
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
import type { ArgValue, ToolCallProposal, ToolCallResult } from '../core/types.ts';
import type { AlertSeverity } from '../../schemas/generated/AlertSeverity.ts';
import type { TrajectoryAlert } from '../../schemas/generated/TrajectoryAlert.ts';
import type { DetectorName, MemoryToolSpec, Thresholds } from './thresholds.ts';
import { BucketWindow } from './window.ts';

export type CorrelatorEvent =
  | { readonly kind: 'proposal'; readonly proposal: ToolCallProposal }
  | { readonly kind: 'result'; readonly result: ToolCallResult };

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
  readonly #agentCalls = new Map<string, BucketWindow>();
  readonly #tenantRecords = new Map<string, BucketWindow>();
  /** source -> session -> last time the source tainted it. */
  readonly #sourceSessions = new Map<string, Map<string, number>>();
  readonly #tainted = new Map<string, TaintedSession>();
  readonly #memory = new Map<string, MemoryEntry>();
  readonly #pending = new Map<string, PendingMemoryCall>();
  /** `${detector}\u0000${subject}` -> time until which the detector is quiet for that subject. */
  readonly #quiet = new Map<string, number>();
  #now = 0;
  #lastSweep = 0;

  constructor(thresholds: Thresholds) {
    this.#t = thresholds;
    this.#memoryTools = new Map(Object.entries(thresholds.memoryTools));
    this.#quarantines = new Set(thresholds.quarantineOn);
  }

  /** Folds one event in; returns the alerts and taints it caused (usually none). */
  observe(event: CorrelatorEvent): Emission[] {
    const out: Emission[] = [];
    if (event.kind === 'proposal') this.#proposal(event.proposal, out);
    else this.#result(event.result, out);
    if (this.#now - this.#lastSweep >= SWEEP_EVERY_MS) this.#sweep();
    return out;
  }

  get stats(): CorrelatorStats {
    return {
      agents: this.#agentCalls.size, tenants: this.#tenantRecords.size, sources: this.#sourceSessions.size,
      taintedSessions: this.#tainted.size, memoryEntries: this.#memory.size, pending: this.#pending.size,
    };
  }

  #proposal(p: ToolCallProposal, out: Emission[]): void {
    const at = p.createdAtMs;
    if (at > this.#now) this.#now = at;
    if (this.#t.agentCallsPerMinute > 0) {
      let w = this.#agentCalls.get(p.agentId);
      if (w === undefined) this.#agentCalls.set(p.agentId, (w = new BucketWindow(MINUTE_MS, BUCKETS)));
      const calls = w.add(at, 1);
      if (calls > this.#t.agentCallsPerMinute && this.#speak('agent-rate', p.agentId, at)) {
        out.push(this.#alert(ALERT_KINDS.agentRate, 'high', p.tenantId, p.agentId, [p.sessionId], at,
          `agent ${p.agentId} made ${calls} proposals in the last minute across its sessions (threshold ${this.#t.agentCallsPerMinute})`,
          { callsPerMinute: String(calls), threshold: String(this.#t.agentCallsPerMinute) }));
        this.#quarantine('agent-rate', 'agent', p.tenantId, p.agentId, at, out);
      }
    }
    const spec = this.#memoryTools.get(p.tool);
    if (spec !== undefined) {
      const key = memoryKey(spec, p.args);
      if (key !== undefined) this.#pending.set(p.proposalId, { op: spec.op, key, atMs: at });
    }
  }

  #result(r: ToolCallResult, out: Emission[]): void {
    const at = r.completedAtMs;
    if (at > this.#now) this.#now = at;
    const pending = this.#pending.get(r.proposalId);
    if (pending !== undefined) this.#pending.delete(r.proposalId);
    if (r.outcome !== 'success') return;
    if (this.#t.tenantRecordsPerHour > 0) this.#tenantExport(r, at, out);
    if (r.untrustedSources.length > 0) this.#taintedBy(r, r.untrustedSources, at, out);
    if (pending !== undefined) this.#memoryAccess(r, pending, at, out);
  }

  #tenantExport(r: ToolCallResult, at: number, out: Emission[]): void {
    let records = 0;
    for (const label in r.recordsRead) records += r.recordsRead[label] as number;
    if (!(records > 0)) return;
    let w = this.#tenantRecords.get(r.tenantId);
    if (w === undefined) this.#tenantRecords.set(r.tenantId, (w = new BucketWindow(HOUR_MS, BUCKETS)));
    const total = w.add(at, records);
    if (total > this.#t.tenantRecordsPerHour && this.#speak('tenant-export', r.tenantId, at)) {
      out.push(this.#alert(ALERT_KINDS.tenantExport, 'high', r.tenantId, r.agentId, [r.sessionId], at,
        `tenant ${r.tenantId}'s agents read ${total} records in the last hour (threshold ${this.#t.tenantRecordsPerHour}); latest by agent ${r.agentId}`,
        { recordsPerHour: String(total), threshold: String(this.#t.tenantRecordsPerHour) }));
      this.#quarantine('tenant-export', 'tenant', r.tenantId, '', at, out);
    }
  }

  /** The session is tainted by `sources` from now on; counts the sessions each source reached. */
  #taintedBy(r: ToolCallResult, sources: readonly string[], at: number, out: Emission[]): void {
    const seen = this.#tainted.get(r.sessionId);
    if (seen === undefined) this.#tainted.set(r.sessionId, { sources: [...sources], atMs: at });
    else {
      seen.atMs = at;
      if (sources.some((s) => !seen.sources.includes(s))) seen.sources = [...new Set([...seen.sources, ...sources])];
    }
    if (this.#t.sourceSessions <= 0) return;
    for (const source of sources) {
      let sessions = this.#sourceSessions.get(source);
      if (sessions === undefined) this.#sourceSessions.set(source, (sessions = new Map()));
      sessions.set(r.sessionId, at);
      if (sessions.size <= this.#t.sourceSessions) continue;
      for (const [s, t] of sessions) if (t <= at - this.#t.sourceWindowMs) sessions.delete(s);
      if (sessions.size > this.#t.sourceSessions && this.#speak('source-spread', source, at)) {
        out.push(this.#alert(ALERT_KINDS.sourceSpread, 'high', r.tenantId, r.agentId, [...sessions.keys()].slice(-MAX_LISTED_SESSIONS), at,
          `untrusted source ${source} reached ${sessions.size} sessions within ${this.#t.sourceWindowMs} ms (threshold ${this.#t.sourceSessions})`,
          { source, sessions: String(sessions.size), threshold: String(this.#t.sourceSessions), windowMs: String(this.#t.sourceWindowMs) }));
      }
    }
  }

  #memoryAccess(r: ToolCallResult, call: PendingMemoryCall, at: number, out: Emission[]): void {
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
    out.push({ kind: 'taint', taint: {
      sessionId: r.sessionId, agentId: r.agentId, userId: r.userId, tenantId: r.tenantId, source, via: entry.sources, atMs: at,
    } });
    out.push(this.#alert(ALERT_KINDS.memoryTaint, 'medium', r.tenantId, r.agentId, [entry.writerSession, r.sessionId], at,
      `session ${r.sessionId} read memory ${call.key} written by tainted session ${entry.writerSession} (sources ${entry.sources.join(', ')}); the reader is now tainted`,
      { memoryKey: call.key, writerSession: entry.writerSession, readerSession: r.sessionId, sources: entry.sources.join(',') }));
    // The reader now carries the taint too: what it writes to memory next is tainted in turn.
    this.#taintedBy(r, [source], at, out);
  }

  #quarantine(cause: DetectorName, scope: 'agent' | 'tenant', tenantId: string, agentId: string, at: number, out: Emission[]): void {
    if (!this.#quarantines.has(cause)) return;
    const untilMs = at + this.#t.quarantineMs;
    const subject = scope === 'agent' ? `agent ${agentId}` : `tenant ${tenantId}`;
    out.push(this.#alert(ALERT_KINDS.quarantine, 'critical', tenantId, agentId, [], at,
      `${subject} quarantined until ${new Date(untilMs).toISOString()} (${cause})`,
      { scope, untilMs: String(untilMs), cause }));
  }

  /** True when the detector may alert for `subject` now; then it stays quiet for the cooldown (at least the quarantine). */
  #speak(detector: DetectorName, subject: string, at: number): boolean {
    const key = `${detector}\u0000${subject}`;
    const quietUntil = this.#quiet.get(key);
    if (quietUntil !== undefined && at < quietUntil) return false;
    const quiet = this.#quarantines.has(detector) ? Math.max(this.#t.cooldownMs, this.#t.quarantineMs) : this.#t.cooldownMs;
    this.#quiet.set(key, at + quiet);
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
    for (const [k, w] of this.#agentCalls) if (w.isEmpty(now)) this.#agentCalls.delete(k);
    for (const [k, w] of this.#tenantRecords) if (w.isEmpty(now)) this.#tenantRecords.delete(k);
    for (const [source, sessions] of this.#sourceSessions) {
      for (const [s, t] of sessions) if (t <= now - this.#t.sourceWindowMs) sessions.delete(s);
      if (sessions.size === 0) this.#sourceSessions.delete(source);
    }
    for (const [k, s] of this.#tainted) if (s.atMs <= now - this.#t.memoryTtlMs) this.#tainted.delete(k);
    for (const [k, m] of this.#memory) if (m.atMs <= now - this.#t.memoryTtlMs) this.#memory.delete(k);
    for (const [k, p] of this.#pending) if (p.atMs <= now - PENDING_TTL_MS) this.#pending.delete(k);
    for (const [k, until] of this.#quiet) if (until <= now) this.#quiet.delete(k);
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
