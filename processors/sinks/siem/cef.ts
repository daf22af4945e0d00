// ArcSight CEF (Common Event Format) rev 0:  CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|Extension
// Escaping (the part SIEM parsers break on):
//   header fields: backslash -> \\ , pipe -> \| ; CR/LF are not allowed in the header, so they become a space.
//   extension values: backslash -> \\ , equals -> \= , CRLF/LF -> \n , lone CR -> \r ; pipes stay as they are.
//   extension keys are fixed alphanumeric names chosen here (never data).
// Custom fields use the cs<n>/cs<n>Label pairs; cs1/cs2 carry the OTel GenAI tool attributes by name.
import type { DecisionRecord } from '../../core/types.ts';
import type { TrajectoryAlert } from './alert.ts';
import { severityOf, type Severity, type SiemInput } from './input.ts';
import { ARBITER_PRODUCT } from './ocsf.ts';

export function escapeCefHeader(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, ' ');
}

export function escapeCefExtension(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r\n|\n/g, '\\n').replace(/\r/g, '\\r');
}

/** CEF severity is 0..10. */
export const CEF_SEVERITY: Readonly<Record<Severity, number>> = { info: 1, low: 3, medium: 5, high: 8, critical: 10 };

type Ext = readonly (readonly [key: string, value: string | number | undefined])[];

function extension(pairs: Ext): string {
  const out: string[] = [];
  for (const [k, v] of pairs) {
    if (v === undefined || v === '') continue;
    out.push(`${k}=${escapeCefExtension(String(v))}`);
  }
  return out.join(' ');
}

function header(signatureId: string, name: string, severity: Severity): string {
  return [
    'CEF:0', escapeCefHeader(ARBITER_PRODUCT.vendor_name), escapeCefHeader(ARBITER_PRODUCT.name), escapeCefHeader(ARBITER_PRODUCT.version),
    escapeCefHeader(signatureId), escapeCefHeader(name), String(CEF_SEVERITY[severity]),
  ].join('|');
}

function decisionCef(r: DecisionRecord, severity: Severity): string {
  const ext = extension([
    ['rt', r.decidedAtMs],
    ['externalId', r.decisionId],
    ['cat', 'decision'],
    ['act', r.effect],
    ['outcome', r.effect === 'deny' ? 'blocked' : r.effect === 'escalate' ? 'escalated' : 'allowed'],
    ['suid', r.userId],
    ['sproc', r.agentId],
    ['msg', r.reasons.join('; ')],
    ['cs1Label', 'gen_ai.tool.name'], ['cs1', r.tool],
    ['cs2Label', 'gen_ai.tool.call.id'], ['cs2', r.proposalId],
    ['cs3Label', 'tenantId'], ['cs3', r.tenantId],
    ['cs4Label', 'sessionId'], ['cs4', r.sessionId],
    ['cs5Label', 'ruleIds'], ['cs5', r.ruleIds.join(',')],
    ['cs6Label', 'args'], ['cs6', JSON.stringify(r.argsMinimised)],
    ['flexString1Label', 'bundleRevision'], ['flexString1', r.bundleRevision],
    ['cn1Label', 'latencyUs'], ['cn1', r.latencyUs],
  ]);
  return `${header(`tool_call_${r.effect}`, `${r.effect} ${r.tool}`, severity)}|${ext}`;
}

function alertCef(a: TrajectoryAlert, severity: Severity): string {
  const ext = extension([
    ['rt', a.atMs],
    ['externalId', a.alertId],
    ['cat', 'alert'],
    ['sproc', a.agentId],
    ['msg', a.summary],
    ['cs3Label', 'tenantId'], ['cs3', a.tenantId],
    ['cs4Label', 'sessionIds'], ['cs4', a.sessionIds.join(',')],
    ['cs6Label', 'facts'], ['cs6', JSON.stringify(a.facts)],
  ]);
  return `${header(`alert_${a.kind}`, a.kind, severity)}|${ext}`;
}

export function toCef(input: SiemInput): string {
  const sev = severityOf(input);
  return input.kind === 'decision' ? decisionCef(input.record, sev) : alertCef(input.alert, sev);
}
