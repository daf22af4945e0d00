// DecisionRecord <-> decisions table row. Lossless both ways: `arbiter verify` rebuilds the record from the row
// and recomputes its hash, so every field the hash covers must round-trip exactly.
import type { DecisionRecord, Effect, Modification, RuleMode, ShadowOutcome } from '../../core/types.ts';
import type { RowBinaryWriter } from './row-binary.ts';

/** The row as inserted (JSONEachRow). decided_at and inserted_at are computed by ClickHouse. */
export interface DecisionRow {
  decision_id: string;
  proposal_id: string;
  session_id: string;
  agent_id: string;
  user_id: string;
  tenant_id: string;
  agent_role: string;
  environment: string;
  tool: string;
  intent: string;
  effect: string;
  rule_ids: readonly string[];
  reasons: readonly string[];
  modifications: readonly { kind: string; path: string; rule_id: string; detail: string }[];
  shadow: readonly { rule_id: string; mode: string; effect: string; reason: string }[];
  bundle_revision: string;
  args_minimised: Readonly<Record<string, string>>;
  data_labels: readonly string[];
  destinations: readonly string[];
  facts_used: Readonly<Record<string, string>>;
  approval_id: string;
  error_code: string;
  decided_at_ms: number;
  latency_us: number;
  chain_partition: number;
  chain_seq: number;
  prev_hash: string;
  hash: string;
}

/** The columns verify reads back (SELECT list matching DecisionRow). */
export const DECISION_ROW_COLUMNS: readonly string[] = [
  'decision_id', 'proposal_id', 'session_id', 'agent_id', 'user_id', 'tenant_id', 'agent_role', 'environment', 'tool',
  'intent', 'effect', 'rule_ids', 'reasons', 'modifications', 'shadow', 'bundle_revision', 'args_minimised',
  'data_labels', 'destinations', 'facts_used', 'approval_id', 'error_code', 'decided_at_ms', 'latency_us',
  'chain_partition', 'chain_seq', 'prev_hash', 'hash',
];

export function toDecisionRow(r: DecisionRecord): DecisionRow {
  return {
    decision_id: r.decisionId,
    proposal_id: r.proposalId,
    session_id: r.sessionId,
    agent_id: r.agentId,
    user_id: r.userId,
    tenant_id: r.tenantId,
    agent_role: r.agentRole,
    environment: r.environment,
    tool: r.tool,
    intent: r.intent,
    effect: r.effect,
    rule_ids: r.ruleIds,
    reasons: r.reasons,
    modifications: r.modifications.map((m) => ({ kind: m.kind, path: m.path, rule_id: m.ruleId, detail: m.detail })),
    shadow: r.shadow.map((s) => ({ rule_id: s.ruleId, mode: s.mode, effect: s.effect, reason: s.reason })),
    bundle_revision: r.bundleRevision,
    args_minimised: r.argsMinimised,
    data_labels: r.dataLabels,
    destinations: r.destinations,
    facts_used: r.factsUsed,
    approval_id: r.approvalId,
    error_code: r.errorCode,
    decided_at_ms: r.decidedAtMs,
    latency_us: r.latencyUs,
    chain_partition: r.chainPartition,
    chain_seq: r.chainSeq,
    prev_hash: r.prevHash,
    hash: r.hash,
  };
}

/**
 * One JSONCompactEachRow line in DECISION_ROW_COLUMNS order (about half the bytes of JSONEachRow, parsed faster).
 * Encoding happens as records arrive, so a flush only joins strings.
 */
export function encodeDecisionRow(r: DecisionRecord): string {
  // Built straight from the record (no intermediate row object): this runs once per decision on the event loop.
  return JSON.stringify([
    r.decisionId, r.proposalId, r.sessionId, r.agentId, r.userId, r.tenantId, r.agentRole, r.environment, r.tool,
    r.intent, r.effect, r.ruleIds, r.reasons,
    r.modifications.length === 0 ? EMPTY : r.modifications.map((m) => ({ kind: m.kind, path: m.path, rule_id: m.ruleId, detail: m.detail })),
    r.shadow.length === 0 ? EMPTY : r.shadow.map((x) => ({ rule_id: x.ruleId, mode: x.mode, effect: x.effect, reason: x.reason })),
    r.bundleRevision, r.argsMinimised, r.dataLabels, r.destinations, r.factsUsed, r.approvalId, r.errorCode,
    r.decidedAtMs, r.latencyUs, r.chainPartition, r.chainSeq, r.prevHash, r.hash,
  ]);
}
const EMPTY: readonly never[] = [];

/**
 * One RowBinary row in DECISION_ROW_COLUMNS order, types as in migration 0001 (LowCardinality(String) is written as
 * String). What the sink inserts: chDB parses it about 1.5x faster than JSONCompactEachRow (docs/benchmarks.md).
 */
export function writeDecisionRow(w: RowBinaryWriter, r: DecisionRecord): void {
  w.string(r.decisionId);
  w.string(r.proposalId);
  w.string(r.sessionId);
  w.string(r.agentId);
  w.string(r.userId);
  w.string(r.tenantId);
  w.string(r.agentRole);
  w.string(r.environment);
  w.string(r.tool);
  w.string(r.intent);
  w.string(r.effect);
  w.strings(r.ruleIds);
  w.strings(r.reasons);
  w.uvarint(r.modifications.length);
  for (const m of r.modifications) {
    w.string(m.kind);
    w.string(m.path);
    w.string(m.ruleId);
    w.string(m.detail);
  }
  w.uvarint(r.shadow.length);
  for (const x of r.shadow) {
    w.string(x.ruleId);
    w.string(x.mode);
    w.string(x.effect);
    w.string(x.reason);
  }
  w.string(r.bundleRevision);
  w.stringMap(r.argsMinimised);
  w.strings(r.dataLabels);
  w.strings(r.destinations);
  w.stringMap(r.factsUsed);
  w.string(r.approvalId);
  w.string(r.errorCode);
  w.int64(r.decidedAtMs);
  w.uint32(r.latencyUs);
  w.uint32(r.chainPartition);
  w.int64(r.chainSeq);
  w.string(r.prevHash);
  w.string(r.hash);
}

/** Rebuilds the record from a row read back as JSONEachRow (64-bit integers may arrive quoted). */
export function fromDecisionRow(row: DecisionRow): DecisionRecord {
  return {
    decisionId: row.decision_id,
    proposalId: row.proposal_id,
    sessionId: row.session_id,
    agentId: row.agent_id,
    userId: row.user_id,
    tenantId: row.tenant_id,
    agentRole: row.agent_role,
    environment: row.environment,
    tool: row.tool,
    intent: row.intent,
    effect: row.effect as Effect,
    ruleIds: row.rule_ids,
    reasons: row.reasons,
    modifications: row.modifications.map(
      (m): Modification => ({ kind: m.kind as Modification['kind'], path: m.path, ruleId: m.rule_id, detail: m.detail }),
    ),
    shadow: row.shadow.map(
      (s): ShadowOutcome => ({ ruleId: s.rule_id, mode: s.mode as RuleMode, effect: s.effect as Effect, reason: s.reason }),
    ),
    bundleRevision: row.bundle_revision,
    argsMinimised: row.args_minimised,
    dataLabels: row.data_labels,
    destinations: row.destinations,
    factsUsed: row.facts_used,
    approvalId: row.approval_id,
    errorCode: row.error_code,
    decidedAtMs: Number(row.decided_at_ms),
    latencyUs: Number(row.latency_us),
    chainPartition: Number(row.chain_partition),
    chainSeq: Number(row.chain_seq),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
