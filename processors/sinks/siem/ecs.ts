// Elastic Common Schema document for one event. Decisions are event.category "api" (a tool API call was
// decided); denies, escalations and alerts are event.kind "alert". gen_ai.* carries the OTel GenAI tool
// attributes under their OTel names (ECS is converging on OTel semantic conventions; ECS 8.11 itself has no
// gen_ai field set, so map it as keyword in the index template). Arbiter-specific facts live under `arbiter`.
import type { DecisionRecord } from '../../core/types.ts';
import type { TrajectoryAlert } from './alert.ts';
import { isFinding, SEVERITY_RANK, severityOf, type SiemInput } from './input.ts';
import { ARBITER_PRODUCT } from './ocsf.ts';

export const ECS_VERSION = '8.11.0';

const observer = { vendor: ARBITER_PRODUCT.vendor_name, product: ARBITER_PRODUCT.name, version: ARBITER_PRODUCT.version, type: 'policy-engine' };

function decisionDoc(r: DecisionRecord, input: SiemInput): Record<string, unknown> {
  const type = r.effect === 'deny' ? 'denied' : r.effect === 'escalate' ? 'info' : 'allowed';
  const outcome = r.effect === 'deny' ? 'failure' : r.effect === 'escalate' ? 'unknown' : 'success';
  return {
    '@timestamp': new Date(r.decidedAtMs).toISOString(),
    ecs: { version: ECS_VERSION },
    message: r.reasons.length > 0 ? `${r.effect} ${r.tool}: ${r.reasons.join('; ')}` : `${r.effect} ${r.tool}`,
    event: {
      kind: isFinding(input) ? 'alert' : 'event',
      category: ['api'],
      type: [type],
      action: `tool_call_${r.effect}`,
      outcome,
      id: r.decisionId,
      severity: SEVERITY_RANK[severityOf(input)],
      reason: r.reasons.join('; '),
      dataset: 'arbiter.decisions',
      module: 'arbiter',
      duration: r.latencyUs * 1000,
    },
    ...(r.ruleIds.length > 0 ? { rule: { id: r.ruleIds[0], name: r.ruleIds.join(','), ruleset: r.bundleRevision } } : {}),
    user: { id: r.userId },
    organization: { id: r.tenantId },
    observer,
    gen_ai: { tool: { name: r.tool, call: { id: r.proposalId } } },
    labels: { tenant_id: r.tenantId, session_id: r.sessionId, agent_id: r.agentId },
    arbiter: {
      decision_id: r.decisionId, proposal_id: r.proposalId, session_id: r.sessionId, agent_id: r.agentId,
      agent_role: r.agentRole, environment: r.environment, intent: r.intent, effect: r.effect, rule_ids: r.ruleIds,
      bundle_revision: r.bundleRevision, args: r.argsMinimised, data_labels: r.dataLabels, destinations: r.destinations,
      facts_used: r.factsUsed, modifications: r.modifications, approval_id: r.approvalId, error_code: r.errorCode,
      chain: { partition: r.chainPartition, seq: r.chainSeq, hash: r.hash },
    },
  };
}

function alertDoc(a: TrajectoryAlert, input: SiemInput): Record<string, unknown> {
  return {
    '@timestamp': new Date(a.atMs).toISOString(),
    ecs: { version: ECS_VERSION },
    message: a.summary,
    event: {
      kind: 'alert', category: ['intrusion_detection'], type: ['info'], action: a.kind, id: a.alertId,
      severity: SEVERITY_RANK[severityOf(input)], reason: a.summary, dataset: 'arbiter.alerts', module: 'arbiter',
    },
    organization: { id: a.tenantId },
    observer,
    labels: { tenant_id: a.tenantId, agent_id: a.agentId },
    arbiter: { alert_id: a.alertId, kind: a.kind, agent_id: a.agentId, session_ids: a.sessionIds, facts: a.facts },
  };
}

export function toEcs(input: SiemInput): Record<string, unknown> {
  return input.kind === 'decision' ? decisionDoc(input.record, input) : alertDoc(input.alert, input);
}
