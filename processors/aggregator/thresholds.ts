// What the cross-session correlator looks for, and what it does about it. Plain data, validated once at startup
// (config.ts reads it from the environment); the fold (correlate.ts) only reads it.

/** How a tool touches shared memory: its key is the declared key arguments' values joined with "/". */
export interface MemoryToolSpec {
  readonly op: 'write' | 'read';
  /** Argument names that together identify the memory entry (e.g. ["namespace", "key"]); all must be present. */
  readonly keyArgs: readonly string[];
}

export const DETECTORS = ['agent-rate', 'tenant-export', 'source-spread', 'memory-taint'] as const;
export type DetectorName = (typeof DETECTORS)[number];
/** Detectors whose subject can be quarantined (an agent, a tenant); the others only alert (and taint). */
export const QUARANTINABLE: readonly DetectorName[] = ['agent-rate', 'tenant-export'];

export interface Thresholds {
  /** Proposals of one agent (all its sessions) per sliding minute above which it is flagged; 0 = off. */
  readonly agentCallsPerMinute: number;
  /** Records read by one tenant's agents (successful results, all labels) per sliding hour above which it is flagged; 0 = off. */
  readonly tenantRecordsPerHour: number;
  /** Distinct sessions one untrusted source may taint within sourceWindowMs before it is flagged; 0 = off. */
  readonly sourceSessions: number;
  readonly sourceWindowMs: number;
  /** Tools that write or read shared memory, by tool name. Empty = memory taint off. */
  readonly memoryTools: Readonly<Record<string, MemoryToolSpec>>;
  /** How long a tainted memory entry and a session's taint are remembered. */
  readonly memoryTtlMs: number;
  /** Detectors that also quarantine their subject (a subset of QUARANTINABLE). */
  readonly quarantineOn: readonly DetectorName[];
  /** How long a quarantine lasts from the moment it is raised. */
  readonly quarantineMs: number;
  /** After an alert, the same detector stays quiet for the same subject this long (no alert per event). */
  readonly cooldownMs: number;
  /** Rate signals (an agent's and a tenant's proposals per sliding minute, for session.rate.agent|tenant): at most
   *  one per subject per this many ms of event time; 0 = none sent. */
  readonly rateSignalMs: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  agentCallsPerMinute: 600,
  tenantRecordsPerHour: 100_000,
  sourceSessions: 20,
  sourceWindowMs: 3_600_000,
  memoryTools: {},
  memoryTtlMs: 7 * 24 * 3_600_000,
  quarantineOn: ['agent-rate'],
  quarantineMs: 15 * 60_000,
  cooldownMs: 60_000,
  rateSignalMs: 1_000,
};
