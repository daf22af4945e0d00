// OCSF mapping. Denies, escalations and TrajectoryAlerts become Detection Findings (class 2004): something a SOC
// triages. Allowed and modified calls become API Activity (class 6003): the agent called a tool API, Arbiter let it.
// Tool arguments appear only as DecisionRecord.argsMinimised (hashes, redactions, safe literals): never raw values.
// The OTel GenAI attributes ride in `unmapped` under their semantic-convention names.
import type { DecisionRecord } from '../../core/types.ts';
import type { TrajectoryAlert } from './alert.ts';
import { genAiToolFields, SEVERITY_RANK, severityOf, type Severity, type SiemInput } from './input.ts';
import { API_ACTIVITY, DETECTION_FINDING, OCSF_VERSION } from './ocsf-schema.ts';

export type OcsfEvent = Record<string, unknown>;

export const ARBITER_PRODUCT = { name: 'Arbiter', vendor_name: 'Arbiter', version: '0.1.0' } as const;

const SEVERITY_CAPTION: Readonly<Record<Severity, string>> = {
  info: 'Informational', low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical',
};

function classification(classUid: number, categoryUid: number, categoryName: string, className: string, activityId: number, activityName: string) {
  return {
    activity_id: activityId, activity_name: activityName,
    category_uid: categoryUid, category_name: categoryName,
    class_uid: classUid, class_name: className,
    type_uid: classUid * 100 + activityId, type_name: `${className}: ${activityName}`,
  };
}

function severityFields(s: Severity) {
  return { severity_id: SEVERITY_RANK[s], severity: SEVERITY_CAPTION[s] };
}

function metadata(uid: string, tenantId: string, correlationUid: string, logName: string) {
  return {
    version: OCSF_VERSION, product: ARBITER_PRODUCT, uid, tenant_uid: tenantId, correlation_uid: correlationUid,
    log_name: logName, log_provider: 'arbiter',
  };
}

function decisionActor(r: DecisionRecord) {
  return {
    user: { uid: r.userId },
    app_name: r.agentId,
    session: { uid: r.sessionId },
  };
}

function decisionApi(r: DecisionRecord) {
  return { operation: r.tool, request: { uid: r.proposalId, data: r.argsMinimised } };
}

function decisionExtras(r: DecisionRecord) {
  return {
    effect: r.effect, rule_ids: r.ruleIds, reasons: r.reasons, bundle_revision: r.bundleRevision,
    intent: r.intent, environment: r.environment, agent_role: r.agentRole,
    data_labels: r.dataLabels, destinations: r.destinations, facts_used: r.factsUsed,
    modifications: r.modifications, shadow: r.shadow, approval_id: r.approvalId, error_code: r.errorCode,
    latency_us: r.latencyUs, chain: { partition: r.chainPartition, seq: r.chainSeq, prev_hash: r.prevHash, hash: r.hash },
  };
}

function decisionMessage(r: DecisionRecord): string {
  const head = `${r.effect} ${r.tool} for agent ${r.agentId}`;
  return r.reasons.length === 0 ? head : `${head}: ${r.reasons.join('; ')}`;
}

/** What both decision classes carry: who called which tool with which (minimised) arguments, and when. */
function decisionCommon(r: DecisionRecord, input: SiemInput) {
  return {
    ...severityFields(severityOf(input)),
    time: r.decidedAtMs,
    message: decisionMessage(r),
    metadata: metadata(r.decisionId, r.tenantId, r.sessionId, 'arbiter.decisions'),
    actor: decisionActor(r),
    api: decisionApi(r),
    src_endpoint: { name: r.agentId },
    unmapped: { ...genAiToolFields(input), arbiter: decisionExtras(r) },
  };
}

function decisionFinding(r: DecisionRecord, input: SiemInput): OcsfEvent {
  const deny = r.effect === 'deny';
  return {
    ...classification(DETECTION_FINDING.classUid, DETECTION_FINDING.categoryUid, 'Findings', DETECTION_FINDING.name, 1, 'Create'),
    ...decisionCommon(r, input),
    status_id: 1, status: 'New',
    is_alert: true,
    action_id: deny ? 2 : 99, action: deny ? 'Denied' : 'Escalated',
    disposition_id: deny ? 2 : 99, disposition: deny ? 'Blocked' : 'Escalated',
    finding_info: {
      uid: r.decisionId,
      title: `Tool call ${r.effect === 'deny' ? 'denied' : 'escalated for approval'}: ${r.tool}`,
      desc: r.reasons.join('; '),
      types: [`tool_call_${r.effect}`],
      created_time: r.decidedAtMs,
      ...(r.ruleIds.length > 0 ? { analytic: { uid: r.ruleIds[0], name: r.ruleIds.join(','), type_id: 1, type: 'Rule' } } : {}),
    },
  };
}

function decisionActivity(r: DecisionRecord, input: SiemInput): OcsfEvent {
  const modified = r.effect === 'modify';
  return {
    ...classification(API_ACTIVITY.classUid, API_ACTIVITY.categoryUid, 'Application Activity', API_ACTIVITY.name, 99, 'Invoke'),
    ...decisionCommon(r, input),
    status_id: 1, status: 'Success',
    action_id: modified ? 4 : 1, action: modified ? 'Modified' : 'Allowed',
    disposition_id: 1, disposition: 'Allowed',
  };
}

function alertFinding(a: TrajectoryAlert, input: SiemInput): OcsfEvent {
  return {
    ...classification(DETECTION_FINDING.classUid, DETECTION_FINDING.categoryUid, 'Findings', DETECTION_FINDING.name, 1, 'Create'),
    ...severityFields(severityOf(input)),
    time: a.atMs,
    message: a.summary,
    status_id: 1, status: 'New',
    is_alert: true,
    metadata: metadata(a.alertId, a.tenantId, a.sessionIds[0] ?? a.agentId, 'arbiter.alerts'),
    finding_info: { uid: a.alertId, title: a.kind, desc: a.summary, types: [a.kind], created_time: a.atMs },
    actor: { app_name: a.agentId },
    unmapped: { arbiter: { kind: a.kind, agent_id: a.agentId, session_ids: a.sessionIds, facts: a.facts } },
  };
}

export function toOcsf(input: SiemInput): OcsfEvent {
  if (input.kind === 'alert') return alertFinding(input.alert, input);
  const r = input.record;
  return r.effect === 'deny' || r.effect === 'escalate' ? decisionFinding(r, input) : decisionActivity(r, input);
}
