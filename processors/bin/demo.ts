#!/usr/bin/env node
// `make demo`: the whole pipeline on this machine, end to end. Starts (or reuses) Kafka and the schema registry from
// deploy/local, starts the verdict processor, the approvals service and the ClickHouse sink (chDB) in this process,
// plays a simulated support agent through the SDK (allows, a redaction, two escalations answered by a scripted
// reviewer through `arbiter approvals`, an injected exfiltration and its retry, both denied), prints one line per
// decision and a summary, and proves the decisions landed in chDB and their hash chain is intact. Stops only what it
// started. Exit 0 when every verdict was the expected one, every decision is in chDB and the chain verifies; 1
// otherwise (ARB_DEMO_FAILED); 130/143 when interrupted.
// Settings (environment): KAFKA_BROKERS + SCHEMA_REGISTRY_URL (use these servers, start none),
// ARBITER_TOPIC_PREFIX (default arbiter-demo), ARBITER_DEMO_CHDB (chDB path, default .run/demo/chdb),
// ARBITER_DEMO_SUMMARY (write the summary as JSON to this file), ARBITER_KAFKA_CLIENT.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ArbiterError } from '../core/errors.ts';
import { main as approvalsCli } from '../cli/approvals.ts';
import { formatReport } from '../cli/verify.ts';
import { startPipeline, type DemoPipeline } from '../demo/pipeline.ts';
import { matches, PROGRESS_HEADER, progressLine, summarise, summaryTable, type StepOutcome } from '../demo/report.ts';
import { DEMO_STEPS } from '../demo/scenario.ts';
import { ensureStack, type DemoStack } from '../demo/stack.ts';
import { parseKafkaClient } from '../runtime/transport/index.ts';
import { ArbiterClient, type AgentVerdict } from '../sdk/index.ts';
import { verifyChain } from '../sinks/clickhouse/verify-chain.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const RUN_DIR = process.env['ARBITER_RUN_DIR'] ?? join(ROOT, '.run');
const LOG_FILE = join(RUN_DIR, 'demo', 'demo.log');
const PREFIX = process.env['ARBITER_TOPIC_PREFIX'] || 'arbiter-demo';
const PARTITIONS = 3;
const CHDB_PATH = process.env['ARBITER_DEMO_CHDB'] || join(RUN_DIR, 'demo', 'chdb');
/** Pause after reporting a result, as an agent thinks between calls. */
const THINK_MS = 100;

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
mkdirSync(dirname(LOG_FILE), { recursive: true });
const log = (component: string, event: string, detail: Record<string, unknown>): void =>
  appendFileSync(LOG_FILE, `${JSON.stringify({ at: new Date().toISOString(), component, event, ...detail })}\n`);

async function review(pipeline: DemoPipeline, v: AgentVerdict, answer: 'approve' | 'deny', by: string, reason: string, first: boolean): Promise<void> {
  const id = v.approval?.approvalId ?? '';
  const until = Date.now() + 20_000;
  while (pipeline.approvals.ledger.get(id) === undefined) {
    if (Date.now() > until) throw new ArbiterError('ARB_DEMO_FAILED', `approval ${id} never reached the approvals service`);
    await sleep(50);
  }
  const env = { ...process.env, KAFKA_BROKERS: brokersEnv, SCHEMA_REGISTRY_URL: registryEnv,
    ARBITER_TOPIC_PREFIX: PREFIX, ARBITER_PARTITIONS: String(PARTITIONS) };
  const cli = async (...argv: string[]): Promise<string[]> => {
    const lines: string[] = [];
    const collect = (s: string): void => void lines.push(...s.split('\n'));
    await approvalsCli(argv, collect, env, collect);
    return lines;
  };
  if (first) {
    say(`      reviewer $ arbiter approvals list`);
    for (const line of await cli('list')) say(`        ${line}`);
  }
  say(`      reviewer $ arbiter approvals ${answer} ${id} --by ${by} --reason "${reason}"`);
  for (const line of await cli(answer, id, '--by', by, '--reason', reason)) say(`        ${line}`);
}

let brokersEnv = '';
let registryEnv = '';

async function play(pipeline: DemoPipeline, client: ArbiterClient): Promise<StepOutcome[]> {
  const session = client.session({
    sessionId: `support-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}-${randomUUID().slice(0, 6)}`,
    agentId: 'support-agent-7', userId: 'dana.smith', tenantId: 'acme', agentRole: 'support', environment: 'production', intent: '',
  });
  say(`\nsession ${session.identity.sessionId}: agent support-agent-7 works ticket T-1042 for user dana.smith (tenant acme)\n`);
  say(PROGRESS_HEADER);
  const outcomes: StepOutcome[] = [];
  let reviewed = 0;
  for (const step of DEMO_STEPS) {
    let v = await session.propose(step.call, { deadlineMs: 10_000 });
    const latencyMs = v.latencyMs;
    const n = outcomes.length + 1;
    if (step.review !== undefined && v.effect === 'escalate') {
      say(`${progressLine(n, { step, verdict: v, latencyMs, asExpected: matches(step, v) })}`);
      say(`      agent: ${step.label}; waiting for approval ${v.approval?.approvalId}`);
      await review(pipeline, v, step.review.answer, step.review.by, step.review.reason, reviewed++ === 0);
      v = await session.awaitApproval(v, 20_000);
      say(`      agent: approval ${v.approval?.status} by ${v.approval?.resolvedBy || '-'} → ${v.proceed ? `runs ${step.call.tool}` : 'does not run it'}`);
    } else {
      say(progressLine(n, { step, verdict: v, latencyMs, asExpected: matches(step, v) }));
      if (v.modificationApplied) say(`      agent: runs ${step.call.tool} with the modified arguments: ${JSON.stringify(v.args['body'] ?? v.args)}`);
    }
    outcomes.push({ step, verdict: v, latencyMs, asExpected: matches(step, v) });
    if (v.proceed && step.result !== undefined) {
      // Results and proposals are separate topics: wait (up to 5 s) until the processor folded this result, so the
      // next call is decided on facts that include it (docs/decisions.md, "Agent SDK, approvals and make demo").
      const folded = pipeline.verdict.task.stats.folded;
      await session.reportResult(v, step.result);
      for (const until = Date.now() + 5000; pipeline.verdict.task.stats.folded <= folded && Date.now() < until;) await sleep(10);
      await sleep(THINK_MS);
    }
  }
  return outcomes;
}

async function decisionsInChdb(pipeline: DemoPipeline, proposalIds: readonly string[]): Promise<{ rows: number; byEffect: Record<string, number> }> {
  const until = Date.now() + 30_000;
  for (;;) {
    const rs = await pipeline.clickhouse.query({
      query: 'SELECT effect, count() AS n FROM decisions FINAL WHERE proposal_id IN {ids:Array(String)} GROUP BY effect',
      query_params: { ids: proposalIds }, format: 'JSONEachRow',
    });
    const rows = await rs.json<{ effect: string; n: string | number }>();
    const byEffect = Object.fromEntries(rows.map((r) => [r.effect, Number(r.n)]));
    const total = Object.values(byEffect).reduce((a, b) => a + b, 0);
    if (total >= proposalIds.length || Date.now() > until) return { rows: total, byEffect };
    await sleep(250);
  }
}

interface ApprovalRow { approval_id: string; tool: string; status: string; resolved_by: string; time_to_decision_ms: number | null }

/** This run's approvals as the ClickHouse `approvals` view folds them, once every one is resolved there (or 30 s). */
async function approvalsInChdb(pipeline: DemoPipeline, ids: readonly string[]): Promise<ApprovalRow[]> {
  const until = Date.now() + 30_000;
  for (;;) {
    const rs = await pipeline.clickhouse.query({
      query: 'SELECT approval_id, tool, status, resolved_by, time_to_decision_ms FROM approvals WHERE approval_id IN {ids:Array(String)} ORDER BY requested_at',
      query_params: { ids }, format: 'JSONEachRow',
    });
    const rows = await rs.json<ApprovalRow>();
    if ((rows.length >= ids.length && rows.every((r) => r.status !== 'pending')) || Date.now() > until) return rows;
    await sleep(250);
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  say(`Arbiter demo: a support agent, its tool calls, and the verdicts on them (processor logs: ${relative(process.cwd(), LOG_FILE) || LOG_FILE})\n`);
  let stack: DemoStack | undefined;
  let pipeline: DemoPipeline | undefined;
  let client: ArbiterClient | undefined;
  let signalled: number | undefined;
  // Stops what is running now; calls queue behind each other, so a later one (main's finally) waits for an earlier
  // one (a signal's) to finish, and also stops what was started in between (a stack still starting at Ctrl-C).
  let stopped = Promise.resolve();
  const cleanup = (): Promise<void> => (stopped = stopped.then(async () => {
    const [c, p, st] = [client, pipeline, stack];
    [client, pipeline, stack] = [undefined, undefined, undefined];
    await c?.close().catch(() => undefined);
    await p?.close().catch(() => undefined);
    await st?.stop().catch(() => undefined);
  }));
  const interrupted = (signal: string, code: number) => () => {
    signalled = code;
    say(`\n${signal}: stopping what the demo started...`);
    // Closing the client and pipeline makes the agent's next step fail, so main() ends and exits with this code; if it
    // is stuck anyway, exit 30 s after everything was stopped.
    void cleanup().then(() => setTimeout(() => process.exit(code), 30_000).unref());
  };
  process.once('SIGINT', interrupted('interrupted', 130));
  process.once('SIGTERM', interrupted('terminated', 143));
  try {
    stack = await ensureStack((l) => say(`  ${l}`));
    if (signalled !== undefined) return signalled;
    brokersEnv = stack.brokers.join(',');
    registryEnv = stack.registryUrl;
    const kafkaClient = parseKafkaClient(process.env['ARBITER_KAFKA_CLIENT']);
    pipeline = await startPipeline({ brokers: stack.brokers, registryUrl: stack.registryUrl, kafkaClient, topicPrefix: PREFIX,
      partitions: PARTITIONS, chdbPath: CHDB_PATH, log }, (l) => say(`  ${l}`));
    client = await ArbiterClient.connect({ brokers: stack.brokers, registryUrl: stack.registryUrl, kafkaClient, topicPrefix: PREFIX });
    say('  agent SDK connected (reply and approval consumers assigned before the first proposal)');

    const outcomes = await play(pipeline, client);
    const ids = outcomes.filter((o) => o.verdict.source === 'processor').map((o) => o.verdict.proposalId);
    const inChdb = await decisionsInChdb(pipeline, ids);
    say(`\nchDB> SELECT effect, count() FROM decisions FINAL WHERE proposal_id IN (<this run's ${ids.length} proposals>) GROUP BY effect`);
    say(`      ${Object.entries(inChdb.byEffect).sort().map(([e, n]) => `${e}=${n}`).join('  ')}  (total ${inChdb.rows})`);
    const approvalIds = outcomes.flatMap((o) => (o.verdict.approval ? [o.verdict.approval.approvalId] : []));
    const approvalRows = await approvalsInChdb(pipeline, approvalIds);
    say(`chDB> SELECT approval_id, tool, status, resolved_by, time_to_decision_ms FROM approvals WHERE approval_id IN (<this run's ${approvalIds.length}>)`);
    for (const r of approvalRows) say(`      ${r.approval_id}  ${r.tool}  ${r.status}  ${r.resolved_by}  ${r.time_to_decision_ms} ms`);
    // The evidence is tamper-evident: re-walk every decision's hash chain as `arbiter verify --chdb` does.
    const chain = await verifyChain(pipeline.clickhouse, {});
    say(`chDB> arbiter verify --chdb ${relative(process.cwd(), CHDB_PATH) || CHDB_PATH}`);
    for (const line of formatReport(chain).split('\n')) say(`      ${line}`);
    const summary = summarise(outcomes, inChdb);
    say(summaryTable(summary));
    const approvalsLanded = approvalRows.length === approvalIds.length &&
      summary.approvals.every((a) => approvalRows.some((r) => r.approval_id === a.approvalId && r.status === a.status));
    const ok = summary.unexpected.length === 0 && Object.values(summary.checks).every(Boolean) && inChdb.rows === summary.decisions && approvalsLanded && chain.ok;
    const file = process.env['ARBITER_DEMO_SUMMARY'];
    if (file) writeFileSync(file, `${JSON.stringify({ ok, ...summary, chdbApprovals: approvalRows, chain: { ok: chain.ok, problems: chain.problems } }, null, 2)}\n`);
    say(`\n${ok ? 'Demo OK' : 'ARB_DEMO_FAILED: a verdict was not the expected one, decisions or approvals are missing from chDB, or the hash chain is broken'} in ${((performance.now() - started) / 1000).toFixed(1)} s. Stopping what the demo started...`);
    return ok ? 0 : 1;
  } catch (error) {
    if (signalled !== undefined) return signalled; // the failure is the interruption's doing
    say(`\n${error instanceof ArbiterError ? error.message : `ARB_DEMO_FAILED: ${(error as Error).stack ?? String(error)}`}`);
    return 1;
  } finally {
    await cleanup();
  }
}

const code = await main();
say(code === 0 ? 'Stopped. Bye.' : code === 1 ? 'Stopped (demo failed).' : 'Stopped (interrupted).');
process.exit(code);
