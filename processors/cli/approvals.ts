// `arbiter approvals list|approve|deny`: reviews pending approvals on the approvals topic (Kafka: KAFKA_BROKERS,
// SCHEMA_REGISTRY_URL, ARBITER_TOPIC_PREFIX, ARBITER_PARTITIONS). list reads the topic up to now and prints the
// pending requests; approve/deny validate the answer against the request (unknown, expired, already resolved are
// refused with their stable code) and produce an ApprovalResolved scoped to that request's proposal and arguments.
// Exit code: 0 done, 1 refused, 2 usage or configuration error.
import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { ArbiterError } from '../core/errors.ts';
import { approvalsConfigFromEnv, withLocalStack } from '../approvals/config.ts';
import { connectApprovals } from '../approvals/connect.ts';
import { refusalOf, type LedgerEntry } from '../approvals/ledger.ts';
import { answerFor } from '../approvals/resolutions.ts';
import { tailLedger, writeResolution } from '../approvals/topic-ledger.ts';
import { failureText, kafkaUnreachable } from './failure.ts';

export const APPROVALS_USAGE = `usage: arbiter approvals list [--json]
       arbiter approvals approve <approval-id> [--by NAME] [--reason TEXT]
       arbiter approvals deny <approval-id> [--by NAME] [--reason TEXT]
  Kafka and registry from KAFKA_BROKERS, SCHEMA_REGISTRY_URL; topics from ARBITER_TOPIC_PREFIX (default arbiter).
  --by NAME      who answers (default: the OS user name)
  --reason TEXT  recorded with the resolution
  --json         list as JSON lines`;

export function formatPending(e: LedgerEntry, nowMs: number): string {
  const r = e.request;
  const left = Math.max(0, Math.round((r.expiresAtMs - nowMs) / 1000));
  const head = `${r.approvalId}  ${r.tool}  expires in ${left}s (on_timeout: ${r.onTimeout})  approvers ${r.approvers.join(',')}  rule ${r.ruleId}`;
  const v = r.review;
  if (v === null) return `${head}\n    session ${r.sessionId}  agent ${r.agentId}  args ${r.argsHash}`;
  const args = Object.entries(v.args).map(([k, x]) => `${k}=${x}`).join('  ');
  const facts = Object.entries(v.sessionFacts).map(([k, x]) => `${k.replace(/^session\./, '')}=${x}`).join('  ');
  return [
    head,
    `    who      agent ${r.agentId} (${v.agentRole}, ${v.environment}) for user ${v.userId}, tenant ${r.tenantId}, session ${r.sessionId}${v.intent ? `, intent ${v.intent}` : ''}`,
    `    action   ${r.tool} (${v.verb || 'undeclared tool'}, side effect ${v.sideEffect || 'unknown'})  ${args}`,
    ...(v.recipients.length > 0 ? [`    to       ${v.recipients.join(', ')}`] : []),
    ...(v.dataLabels.length > 0 ? [`    data     ${v.dataLabels.join(', ')}`] : []),
    ...(v.reasons.some((x) => x.includes(`(rule ${r.ruleId})`)) ? v.reasons.filter((x) => x.includes(`(rule ${r.ruleId})`)) : v.reasons).map((x) => `    why      ${x}`),
    `    session  ${facts}`,
    ...v.recentSteps.map((x) => `    before   ${x}`),
  ].join('\n');
}

/** Results go to `out`; refusals and usage or configuration errors (each starting with its code) to `err`. */
export async function main(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(`${s}\n`), env: NodeJS.ProcessEnv = process.env,
  err: (s: string) => void = (s) => process.stderr.write(`${s}\n`)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv], allowPositionals: true,
      options: { by: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
    });
  } catch (e) {
    err(`ARB_APPROVAL_USAGE: ${(e as Error).message}\n${APPROVALS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, id] = positionals;
  if (values.help) {
    out(APPROVALS_USAGE);
    return 0;
  }
  if (command !== 'list' && command !== 'approve' && command !== 'deny') {
    err(`ARB_APPROVAL_USAGE: ${command === undefined ? 'a subcommand is needed (list, approve or deny)' : `unknown subcommand ${JSON.stringify(command)}`}\n${APPROVALS_USAGE}`);
    return 2;
  }
  if (command !== 'list' && !id) {
    err(`ARB_APPROVAL_USAGE: ${command} needs an approval id\n${APPROVALS_USAGE}`);
    return 2;
  }
  let config;
  try {
    config = approvalsConfigFromEnv(withLocalStack(env));
  } catch (e) {
    err(e instanceof ArbiterError ? e.message : `ARB_CONFIG_INVALID: ${(e as Error).message}`);
    return 2;
  }
  const unreachable = (e: unknown): string => failureText(kafkaUnreachable(e, config.brokers), 'approvals');
  let conn;
  try {
    conn = await connectApprovals(config, `arbiter-cli-${process.pid}`);
  } catch (e) {
    err(unreachable(e));
    return 1;
  }
  let tailed;
  try {
    tailed = await tailLedger({ ...conn, groupPrefix: 'arbiter-cli-approvals' });
  } catch (e) {
    await conn.producer.close().catch(() => undefined);
    err(unreachable(e));
    return 1;
  }
  const { ledger, tail } = tailed;
  try {
    const now = Date.now();
    if (command === 'list') {
      const pending = ledger.pending().filter((e) => e.request.expiresAtMs > now);
      if (values.json) for (const e of pending) out(JSON.stringify(e.request));
      else out(pending.length === 0 ? `no pending approvals on ${conn.topics.approvals.topic}` : pending.map((e) => formatPending(e, now)).join('\n'));
      return 0;
    }
    const entry = ledger.get(id as string);
    const by = values.by ?? userInfo().username;
    const answer = command === 'approve' ? 'approved' : 'rejected';
    const resolution = entry === undefined ? undefined : answerFor(entry, answer, by, values.reason ?? '', now);
    const refusal = entry === undefined || resolution === undefined
      ? { code: 'ARB_APPROVAL_UNKNOWN', message: `approval ${id} was never requested` }
      : refusalOf(entry, resolution);
    if (refusal !== undefined || entry === undefined || resolution === undefined) {
      err(`${refusal?.code}: ${refusal?.message}`);
      return 1;
    }
    await writeResolution(conn.producer, conn.serde, conn.topics, entry, resolution);
    out(`${answer} ${entry.request.approvalId} (${entry.request.tool}, proposal ${entry.request.proposalId}) by ${by}`);
    return 0;
  } finally {
    await tail.close();
    await conn.producer.close();
  }
}
