// Deterministic DecisionRecords for tests and benches: chained per partition, with a plausible mix of effects,
// observe-mode shadow outcomes, approvals, data labels and facts. Same seed -> same records.
import { chainNext, genesisHead, type ChainHead, type UnchainedDecision } from '../../../processors/core/chain.ts';
import type { DecisionRecord, Effect } from '../../../processors/core/types.ts';
import { seededRandom } from '../../../bench/seeded-random.ts';
import avsc from 'avsc';
import { loadSchema } from '../../../schemas/catalogue.ts';

const TOOLS = ['email.send', 'crm.read', 'files.write', 'shell.exec', 'payments.transfer', 'web.fetch'] as const;
const LABELS = ['pii', 'financial', 'credentials', 'public'] as const;

export interface FixtureOptions {
  readonly count: number;
  readonly partitions?: number;
  readonly seed?: number;
  /** Epoch ms of the first decision; decisions are spaced by stepMs. */
  readonly startMs?: number;
  readonly stepMs?: number;
  readonly sessions?: number;
  /** Prefix of decision ids (runs that must not collide use different prefixes). */
  readonly idPrefix?: string;
}

/** count decisions spread over partitions round-robin by session; each partition's records form one chain. */
export function makeDecisions(o: FixtureOptions): DecisionRecord[] {
  const rnd = seededRandom(o.seed ?? 42);
  const partitions = o.partitions ?? 4;
  const sessions = o.sessions ?? Math.max(1, Math.floor(o.count / 20));
  const start = o.startMs ?? Date.UTC(2026, 10, 20, 12, 0, 0);
  const step = o.stepMs ?? 10;
  const prefix = o.idPrefix ?? 'd';
  const heads: ChainHead[] = Array.from({ length: partitions }, (_, p) => genesisHead(p));
  const out: DecisionRecord[] = [];
  for (let i = 0; i < o.count; i++) {
    const s = Math.floor(rnd() * sessions);
    const partition = s % partitions;
    const tool = TOOLS[Math.floor(rnd() * TOOLS.length)] ?? 'web.fetch';
    const roll = rnd();
    const effect: Effect = roll < 0.7 ? 'allow' : roll < 0.85 ? 'deny' : roll < 0.93 ? 'modify' : 'escalate';
    const label = LABELS[Math.floor(rnd() * LABELS.length)] ?? 'public';
    const tainted = rnd() < 0.2;
    const ruleId = effect === 'allow' ? '' : `rule.${tool.split('.')[0]}.${effect}`;
    const observe = rnd() < 0.1;
    const d: UnchainedDecision = {
      decisionId: `${prefix}-${i}`,
      proposalId: `p-${i}`,
      sessionId: `s-${s}`,
      agentId: `agent-${s % 7}`,
      userId: `user-${s % 13}`,
      tenantId: `tenant-${s % 3}`,
      agentRole: s % 2 === 0 ? 'assistant' : 'ops',
      environment: 'prod',
      tool,
      intent: s % 5 === 0 ? 'flight_booking' : '',
      effect,
      ruleIds: ruleId ? [ruleId] : [],
      reasons: ruleId ? [`${tool}: ${ruleId} fired on ${label}`] : [],
      modifications: effect === 'modify' ? [{ kind: 'redact', path: 'body', ruleId, detail: `redacted ${label}` }] : [],
      shadow: observe ? [{ ruleId: `rule.observe.${tool}`, mode: 'observe', effect: 'deny', reason: `would deny ${tool}` }] : [],
      bundleRevision: `rev-${1 + Math.floor(i / 50_000)}`,
      argsMinimised: { to: `sha256:${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}`, body: `[redacted:${label}]` },
      dataLabels: [label],
      destinations: tool === 'email.send' ? [`ext-${s % 11}.example.com`] : [],
      factsUsed: { tainted: String(tainted), stepCount: String(i % 40) },
      approvalId: effect === 'escalate' ? `a-${i}` : '',
      errorCode: '',
      decidedAtMs: start + i * step,
      latencyUs: 150 + Math.floor(rnd() * 2000),
    };
    const head = heads[partition] ?? genesisHead(partition);
    const { record, head: next } = chainNext(head, d);
    heads[partition] = next;
    out.push(record);
  }
  return out;
}

/** An older DecisionRecord version, for schema-evolution tests: latencyUs was an int, and a field since removed
 *  (legacyNote, a string) followed the others. The current schema reads it through a resolver. */
export function olderDecisionRecordType(): avsc.Type {
  const current = loadSchema('DecisionRecord') as { fields: { name: string; type: unknown }[] };
  return avsc.Type.forSchema({
    ...current,
    fields: [...current.fields.map((f) => (f.name === 'latencyUs' ? { ...f, type: 'int' } : f)), { name: 'legacyNote', type: 'string' }],
  } as avsc.Schema);
}
