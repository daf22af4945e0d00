// Aggregator settings, read from the environment and validated once at startup. Every bad setting is collected and
// reported in one ARB_AGG_CONFIG_INVALID error naming each key. Pure: the caller passes the environment in.
import { ArbiterError, type Problem } from '../core/errors.ts';
import type { Env } from '../core/config.ts';
import { booleanSetting, processorSettingsFromEnv, type ProcessorSettings } from '../core/processor-config.ts';
import { DEFAULT_THRESHOLDS, DETECTORS, QUARANTINABLE, type DetectorName, type MemoryToolSpec, type Thresholds } from './thresholds.ts';

/** Endpoints, topics, ARBITER_INSTANCE_ID, ARBITER_RESTORE_TIMEOUT_MS and ARBITER_SESSION_TIMEOUT_MS as for every
 *  processor (processors/core/processor-config.ts). */
export interface AggregatorConfig extends ProcessorSettings {
  /** ARBITER_AGGREGATOR_GROUP: the aggregator's own consumer group (default "arbiter-aggregator"). Run one instance:
   *  its windows are per process, so a second member would see only part of each agent's and tenant's events. */
  readonly groupId: string;
  /** ARBITER_EXACTLY_ONCE: default true: outputs, changelog and input offsets in one transaction per commit (the
   *  transactional id is the group id's, so a restarted aggregator fences the one it replaces). "false": produce,
   *  then commit offsets: after a crash the changelog may be ahead of the offsets and replayed events count twice. */
  readonly exactlyOnce: boolean;
  readonly thresholds: Thresholds;
}

/** Threshold settings with their doc strings (the defaults are DEFAULT_THRESHOLDS). */
export const THRESHOLD_SETTINGS = {
  ARBITER_AGG_AGENT_CALLS_PER_MINUTE: 'proposals of one agent per sliding minute, all sessions, above which it is flagged (0 = off)',
  ARBITER_AGG_TENANT_RECORDS_PER_HOUR: 'records read by one tenant\'s agents per sliding hour above which it is flagged (0 = off)',
  ARBITER_AGG_SOURCE_SESSIONS: 'distinct sessions one untrusted source may taint within the source window (0 = off)',
  ARBITER_AGG_SOURCE_WINDOW_MS: 'the source-spread window, ms',
  ARBITER_AGG_MEMORY_TOOLS: 'JSON { tool: { "op": "write"|"read", "keyArgs": [arg, ...] } }: the tools that write (verb remember) or read shared memory and the arguments naming the entry',
  ARBITER_AGG_MEMORY_TTL_MS: 'how long a tainted memory entry (and a session\'s taint) is remembered, ms',
  ARBITER_AGG_QUARANTINE_ON: `comma list of detectors that also quarantine their subject, from ${QUARANTINABLE.join(', ')} ("" = none)`,
  ARBITER_AGG_QUARANTINE_MS: 'how long a quarantine lasts, ms',
  ARBITER_AGG_COOLDOWN_MS: 'after an alert, the same detector stays quiet for the same subject this long, ms',
  ARBITER_AGG_RATE_SIGNAL_MS: 'rate signals for session.rate.agent / session.rate.tenant: at most one per agent or tenant per this many ms of event time (0 = none)',
} as const;

function intSetting(env: Env, key: keyof typeof THRESHOLD_SETTINGS, fallback: number, min: number, problems: Problem[]): number {
  const raw = env[key]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) {
    problems.push({ code: 'ARB_AGG_CONFIG_INVALID', severity: 'error', message: `${key}="${raw}" must be an integer ≥ ${min} (${THRESHOLD_SETTINGS[key]})`, location: { key } });
    return fallback;
  }
  return n;
}

function memoryTools(env: Env, problems: Problem[]): Record<string, MemoryToolSpec> {
  const key = 'ARBITER_AGG_MEMORY_TOOLS';
  const raw = env[key]?.trim();
  if (raw === undefined || raw === '') return { ...DEFAULT_THRESHOLDS.memoryTools };
  const bad = (why: string): Record<string, MemoryToolSpec> => {
    problems.push({ code: 'ARB_AGG_CONFIG_INVALID', severity: 'error', message: `${key}: ${why}`, location: { key } });
    return {};
  };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return bad(`not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('must be an object of tool name -> { op, keyArgs }');
  const out: Record<string, MemoryToolSpec> = {};
  for (const [tool, spec] of Object.entries(value)) {
    const s = spec as { op?: unknown; keyArgs?: unknown } | null;
    if (typeof s !== 'object' || s === null || (s.op !== 'write' && s.op !== 'read')) return bad(`tool ${tool}: op must be "write" or "read"`);
    if (!Array.isArray(s.keyArgs) || s.keyArgs.length === 0 || !s.keyArgs.every((a) => typeof a === 'string' && a !== '')) {
      return bad(`tool ${tool}: keyArgs must be a non-empty list of argument names`);
    }
    out[tool] = { op: s.op, keyArgs: s.keyArgs as string[] };
  }
  return out;
}

function quarantineOn(env: Env, problems: Problem[]): DetectorName[] {
  const key = 'ARBITER_AGG_QUARANTINE_ON';
  const raw = env[key];
  if (raw === undefined) return [...DEFAULT_THRESHOLDS.quarantineOn];
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const out: DetectorName[] = [];
  for (const n of names) {
    if (!(DETECTORS as readonly string[]).includes(n) || !QUARANTINABLE.includes(n as DetectorName)) {
      problems.push({ code: 'ARB_AGG_CONFIG_INVALID', severity: 'error', message: `${key}: "${n}" is not one of ${QUARANTINABLE.join(', ')}`, location: { key } });
    } else out.push(n as DetectorName);
  }
  return out;
}

/** The thresholds alone (also used by the bench and tests). Throws one ARB_AGG_CONFIG_INVALID listing every problem. */
export function thresholdsFromEnv(env: Env): Thresholds {
  const problems: Problem[] = [];
  const d = DEFAULT_THRESHOLDS;
  const t: Thresholds = {
    agentCallsPerMinute: intSetting(env, 'ARBITER_AGG_AGENT_CALLS_PER_MINUTE', d.agentCallsPerMinute, 0, problems),
    tenantRecordsPerHour: intSetting(env, 'ARBITER_AGG_TENANT_RECORDS_PER_HOUR', d.tenantRecordsPerHour, 0, problems),
    sourceSessions: intSetting(env, 'ARBITER_AGG_SOURCE_SESSIONS', d.sourceSessions, 0, problems),
    sourceWindowMs: intSetting(env, 'ARBITER_AGG_SOURCE_WINDOW_MS', d.sourceWindowMs, 1, problems),
    memoryTools: memoryTools(env, problems),
    memoryTtlMs: intSetting(env, 'ARBITER_AGG_MEMORY_TTL_MS', d.memoryTtlMs, 1, problems),
    quarantineOn: quarantineOn(env, problems),
    quarantineMs: intSetting(env, 'ARBITER_AGG_QUARANTINE_MS', d.quarantineMs, 1, problems),
    cooldownMs: intSetting(env, 'ARBITER_AGG_COOLDOWN_MS', d.cooldownMs, 0, problems),
    rateSignalMs: intSetting(env, 'ARBITER_AGG_RATE_SIGNAL_MS', d.rateSignalMs, 0, problems),
  };
  if (problems.length > 0) {
    throw new ArbiterError('ARB_AGG_CONFIG_INVALID', problems.map((p) => p.message).join('; '), { key: problems.map((p) => p.location?.key).join(',') });
  }
  return t;
}

export function aggregatorConfigFromEnv(env: Env): AggregatorConfig {
  return {
    ...processorSettingsFromEnv(env, 'ARB_AGG_CONFIG_INVALID'),
    groupId: env['ARBITER_AGGREGATOR_GROUP'] || 'arbiter-aggregator',
    exactlyOnce: booleanSetting(env, 'ARBITER_EXACTLY_ONCE', true, 'ARB_AGG_CONFIG_INVALID'),
    thresholds: thresholdsFromEnv(env),
  };
}
