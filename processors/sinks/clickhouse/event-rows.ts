// Rows for the alerts and approval_events tables from their wire records (JSONCompactEachRow lines, column order
// as in the *_COLUMNS lists). Records are stored as given; nothing is derived here that a reader could not redo.
import { createHash } from 'node:crypto';
import type { TrajectoryAlert } from '../../../schemas/generated/TrajectoryAlert.ts';
import type { ApprovalEvent } from '../../../schemas/generated/ApprovalEvent.ts';
import type { ApprovalResolved } from '../../../schemas/generated/ApprovalResolved.ts';

export const ALERT_COLUMNS: readonly string[] = [
  'alert_id', 'kind', 'severity', 'tenant_id', 'agent_id', 'session_ids', 'summary', 'facts', 'raised_at_ms',
];

export function encodeAlertRow(a: TrajectoryAlert): string {
  return JSON.stringify([a.alertId, a.kind, a.severity, a.tenantId, a.agentId, a.sessionIds, a.summary, a.facts, a.atMs]);
}

export const APPROVAL_EVENT_COLUMNS: readonly string[] = [
  'approval_id', 'event', 'proposal_id', 'session_id', 'tenant_id', 'agent_id', 'tool', 'rule_id', 'args_hash',
  'approvers', 'on_timeout', 'expires_at_ms', 'resolution', 'resolved_by', 'reason', 'review', 'at_ms', 'event_key',
];

/** Part of approval_events' sorting key (migration 0007): equal for a redelivered record, so it collapses on merge;
 *  different for two distinct resolutions of one approval, so neither replaces the other. */
function resolutionKey(r: ApprovalResolved): string {
  return createHash('sha256').update(JSON.stringify([r.proposalId, r.argsHash, r.resolution, r.resolvedBy, r.reason, r.resolvedAtMs])).digest('hex').slice(0, 32);
}

/** A requested event fills the request columns (review as JSON text, '' when absent), a resolved one the resolution
 *  columns; the rest stay empty. */
export function encodeApprovalEventRow(e: ApprovalEvent): string {
  const ev = e.event;
  if ('arbiter.v1.ApprovalRequested' in ev) {
    const r = ev['arbiter.v1.ApprovalRequested'];
    return JSON.stringify([r.approvalId, 'requested', r.proposalId, r.sessionId, r.tenantId, r.agentId, r.tool, r.ruleId,
      r.argsHash, r.approvers, r.onTimeout, r.expiresAtMs, '', '', '', r.review === null ? '' : JSON.stringify(r.review), r.requestedAtMs, '']);
  }
  const r = ev['arbiter.v1.ApprovalResolved'];
  return JSON.stringify([r.approvalId, 'resolved', r.proposalId, r.sessionId, '', '', '', '', r.argsHash, [], '', 0,
    r.resolution, r.resolvedBy, r.reason, '', r.resolvedAtMs, resolutionKey(r)]);
}
