// Sample inputs for the SIEM tests: a DecisionRecord and a TrajectoryAlert with overridable fields, and a JSON
// decode for InRecords (the real Avro decode is injected in production; the forwarder does not care which).
import type { DecisionRecord } from '../../../processors/core/types.ts';
import type { InRecord } from '../../../processors/runtime/transport/transport.ts';
import type { TrajectoryAlert } from '../../../processors/sinks/siem/alert.ts';
import type { SiemInput } from '../../../processors/sinks/siem/input.ts';

export function decision(over: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    decisionId: 'd-1', proposalId: 'p-1', sessionId: 's-1', agentId: 'agent-7', userId: 'u-42', tenantId: 'acme',
    agentRole: 'support', environment: 'prod', tool: 'send_email', intent: 'customer_reply', effect: 'deny',
    ruleIds: ['no-external-pii'], reasons: ['send_email: recipient outside allow list (rule no-external-pii)'],
    modifications: [], shadow: [], bundleRevision: 'sha256:abc', argsMinimised: { to: 'sha256:9f2c', body: '[redacted:pii]' },
    dataLabels: ['pii'], destinations: ['sha256:9f2c'], factsUsed: { 'session.tainted': 'true' }, approvalId: '', errorCode: '',
    decidedAtMs: 1_700_000_000_123, latencyUs: 850, chainPartition: 0, chainSeq: 5, prevHash: 'a'.repeat(64), hash: 'b'.repeat(64),
    ...over,
  };
}

export function alert(over: Partial<TrajectoryAlert> = {}): TrajectoryAlert {
  return {
    alertId: 'al-1', kind: 'cross_session_exfiltration', severity: 'critical', tenantId: 'acme', agentId: 'agent-7',
    sessionIds: ['s-1', 's-2'], summary: 'agent-7 sent PII to 3 new destinations across 2 sessions', facts: { destinations: '3' },
    atMs: 1_700_000_100_000, ...over,
  };
}

export function decisionInput(over: Partial<DecisionRecord> = {}): SiemInput {
  return { kind: 'decision', record: decision(over) };
}

export function alertInput(over: Partial<TrajectoryAlert> = {}): SiemInput {
  return { kind: 'alert', alert: alert(over) };
}

/** Test wire encoding: JSON of the SiemInput. */
export function inRecord(input: SiemInput, offset: number, topic = 'arbiter.decisions', partition = 0): InRecord {
  return {
    topic, partition, offset: String(offset), key: Buffer.from('s-1'), value: Buffer.from(JSON.stringify(input)),
    headers: {}, timestampMs: 0,
  };
}

export function jsonDecode(r: InRecord): SiemInput {
  if (r.value === null) throw new Error('null value (tombstone)');
  return JSON.parse(r.value.toString('utf8')) as SiemInput;
}
