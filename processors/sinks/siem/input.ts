// What a SIEM forwarder consumes: a decoded DecisionRecord or TrajectoryAlert plus where it came from.
// The common view (severity, ids, time, the OTel GenAI tool fields) lives here once so every format agrees.
import type { DecisionRecord, Effect } from '../../core/types.ts';
import type { AlertSeverity, TrajectoryAlert } from './alert.ts';

export type SiemInput =
  | { readonly kind: 'decision'; readonly record: DecisionRecord }
  | { readonly kind: 'alert'; readonly alert: TrajectoryAlert };

/** One severity scale for filtering and for every format (OCSF severity_id uses the same 1..5 numbers). */
export type Severity = AlertSeverity;
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };
export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** A decision's severity follows its effect: a deny is the most notable thing a decision can be. */
export const EFFECT_SEVERITY: Readonly<Record<Effect, Severity>> = {
  allow: 'info', modify: 'low', escalate: 'medium', deny: 'high',
};

export function severityOf(input: SiemInput): Severity {
  return input.kind === 'decision' ? EFFECT_SEVERITY[input.record.effect] : input.alert.severity;
}

export function tenantOf(input: SiemInput): string {
  return input.kind === 'decision' ? input.record.tenantId : input.alert.tenantId;
}

/** Stable id of the event: the idempotency key on peers that support one (Elastic _id, DLQ key). */
export function eventIdOf(input: SiemInput): string {
  return input.kind === 'decision' ? input.record.decisionId : input.alert.alertId;
}

export function timeMsOf(input: SiemInput): number {
  return input.kind === 'decision' ? input.record.decidedAtMs : input.alert.atMs;
}

/** Findings are what a SOC triages: denies, escalations and every alert. Allowed (and modified) calls are activity. */
export function isFinding(input: SiemInput): boolean {
  return input.kind === 'alert' || input.record.effect === 'deny' || input.record.effect === 'escalate';
}

/**
 * OpenTelemetry GenAI semantic-convention attributes for the tool call. The proposal id is the tool call id:
 * it is what the agent framework correlates on. Alerts are not about one call, so they carry none.
 */
export interface GenAiToolFields {
  readonly 'gen_ai.tool.name': string;
  readonly 'gen_ai.tool.call.id': string;
}

export function genAiToolFields(input: SiemInput): GenAiToolFields | undefined {
  if (input.kind !== 'decision') return undefined;
  return { 'gen_ai.tool.name': input.record.tool, 'gen_ai.tool.call.id': input.record.proposalId };
}
