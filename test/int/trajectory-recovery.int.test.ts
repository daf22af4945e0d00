// Recovery proof (issue 5 item 3): 1,000 sessions x 50 rounds of (proposal, result) = 100,000 input events flow
// through the verdict processor (processors/bin/verdict.ts, a child process) while it is SIGKILLed at random points
// (seeded; the seed is printed, RECOVERY_SEED replays it) and restarted. The agents behave as real ones do: a session
// reports a call's result after its verdict, and proposes again only after that result was consumed, so each
// session's event order is fixed by the input topics alone. After the drain, the state of every session as the
// processor restores it (restorePartitions over the changelog, entryFromSnapshot) must be byte-for-byte equal to
// a fresh fold over the input topics from the start: for each proposal, ProposalReceived + DecisionMade with the
// effect, rules and time of its committed DecisionRecord (none for deadline/no-policy/evaluate-failure denies, as
// in decide.ts); for each result, ResultReported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';
import { seededRandom } from '../../bench/seeded-random.ts';
import type { DecisionRecord, ToolCallProposal, ToolCallResult } from '../../processors/core/types.ts';
import { proposalFromWire, resultFromWire } from '../../processors/runtime/serde/records.ts';
import {
  EMPTY_STATE, decisionMade, evolve, proposalReceived, resultReported, serializeState, type SessionState,
} from '../../processors/trajectory/index.ts';
import { createPolicyEngine } from '../../processors/verdict/policy-engine.ts';
import { CHAIN_HEAD_KEY, SessionRestore } from '../../processors/verdict/session-store.ts';
import { testBundle } from '../unit/verdict/fixtures.ts';
import { startVerdictChild, type ChildProcessor } from './helpers/processes.ts';
import { chainBreaks, sleep, VerdictHarness, waitUntil, type Collected } from './helpers/verdict-harness.ts';

const PARTITIONS = 4;
const SESSIONS = 1_000;
const ROUNDS = 50;
const KILLS = 5;
const SEED = Number(process.env['RECOVERY_SEED'] ?? Date.now() % 1_000_000);
/** Denies decide.ts makes without folding the proposal into the trajectory. */
const UNFOLDED = new Set(['ARB_VERDICT_DEADLINE_PASSED', 'ARB_VERDICT_NO_POLICY', 'ARB_VERDICT_EVALUATE_FAILED']);

const sessionId = (s: number) => `rec-s${s}`;

function callOf(s: number, r: number): Pick<ToolCallProposal, 'tool' | 'args'> {
  switch ((s + r) % 4) {
    case 1: return { tool: 'send_email', args: { to: [r % 5 === 0 ? 'eve@evil.example' : 'bob@example.com'], subject: 'hi', body: `round ${r}` } };
    case 2: return { tool: 'wire_transfer', args: { amount: (r % 3) * 600 } };
    default: return { tool: 'http_get', args: { url: `https://site${s % 5}.example.com/r${r}` } };
  }
}

function resultOf(p: ToolCallProposal, r: number): ToolCallResult {
  return {
    proposalId: p.proposalId, sessionId: p.sessionId, agentId: p.agentId, userId: p.userId, tenantId: p.tenantId, tool: p.tool,
    outcome: r % 11 === 3 ? 'error' : 'success', recordsRead: { pii: r % 5 }, bytesRead: { pii: 100 * (r % 7) },
    untrustedSources: r % 9 === 4 ? ['web:evil.example'] : [], destinationsSeen: r % 6 === 1 ? ['mallory@evil.example'] : [],
    modificationApplied: false, cost: 1 + (r % 3), completedAtMs: Date.now(),
  };
}

describe('session state after random SIGKILLs equals a fresh fold of the input topics', () => {
  let h: VerdictHarness;
  let current: ChildProcessor | undefined;
  let seen: Collected;

  beforeAll(async () => {
    h = await VerdictHarness.create({ name: 'itrecover', brokers: localBrokers(), partitions: PARTITIONS });
    seen = await h.collect();
  });

  afterAll(async () => {
    await current?.kill();
    await h?.close();
  });

  it('restores every session byte for byte after 100,000 events and five kills', async () => {
    const random = seededRandom(SEED);
    const killRounds = new Map<number, { phase: 'proposals' | 'results'; delayMs: number }>();
    while (killRounds.size < KILLS) {
      killRounds.set(1 + Math.floor(random() * (ROUNDS - 2)), { phase: random() < 0.5 ? 'proposals' : 'results', delayMs: Math.floor(random() * 400) });
    }
    console.log(`recovery test: seed ${SEED}, kills ${JSON.stringify([...killRounds].sort((a, b) => a[0] - b[0]))}`);
    let generation = 1;
    const start = async () => {
      current = startVerdictChild(h.childEnv('recovery-test'), `processor ${generation++}`);
      await current.ready;
    };
    await start();
    let restarting: Promise<void> = Promise.resolve();
    const killLater = (delayMs: number) => {
      restarting = (async () => {
        await sleep(delayMs);
        await current?.kill();
        await start();
      })();
    };

    const answered = new Set<string>();
    let scanned = 0;
    const allAnswered = (ids: readonly string[]) => {
      for (; scanned < seen.verdictIds.length; scanned++) answered.add(seen.verdictIds[scanned] as string);
      return ids.every((id) => answered.has(id));
    };
    const diag = () => `${seen.verdictIds.length} verdicts\n${current?.tail() ?? ''}`;
    const started = Date.now();
    for (let r = 0; r < ROUNDS; r++) {
      const kill = killRounds.get(r);
      const proposals = Array.from({ length: SESSIONS }, (_, s) =>
        h.proposal(sessionId(s), { ...callOf(s, r), replyPartition: s % PARTITIONS }));
      await h.sendProposals(proposals);
      if (kill?.phase === 'proposals') killLater(kill.delayMs);
      await waitUntil(`verdicts of round ${r}`, () => allAnswered(proposals.map((p) => p.proposalId)), 120_000, diag);
      await restarting;
      await h.sendResults(proposals.map((p) => resultOf(p, r)));
      if (kill?.phase === 'results') killLater(kill.delayMs);
      await waitUntil(`results of round ${r} consumed`, () => h.consumedAll(h.topics.results.topic), 120_000, diag);
      await restarting;
    }
    console.log(`recovery test: ${2 * SESSIONS * ROUNDS} events in ${Date.now() - started} ms`);
    await current?.kill();

    // The fresh fold, from the input topics and the committed decisions only.
    const t = h.topics;
    const proposals = await Promise.all((await h.readTopic(t.proposals.topic, SESSIONS * ROUNDS)).map(async (rec) => proposalFromWire(await h.serde.decode(t.proposals, rec))));
    const results = await Promise.all((await h.readTopic(t.results.topic, SESSIONS * ROUNDS)).map(async (rec) => resultFromWire(await h.serde.decode(t.results, rec))));
    const decisions = new Map<string, DecisionRecord>(seen.decisions.map((d) => [d.proposalId, d]));
    expect(seen.decisions).toHaveLength(SESSIONS * ROUNDS);
    expect(decisions.size).toBe(SESSIONS * ROUNDS);
    expect(chainBreaks(seen.decisions)).toEqual([]);

    const bySession = <T extends { sessionId: string }>(list: readonly T[]) => {
      const m = new Map<string, T[]>();
      for (const x of list) m.set(x.sessionId, [...(m.get(x.sessionId) ?? []), x]);
      return m;
    };
    const proposalsOf = bySession(proposals);
    const resultsOf = bySession(results);
    const bundle = testBundle();
    const engine = createPolicyEngine({ requireSignature: false, trustedKeys: {} });
    const folded = new Map<string, SessionState>();
    for (const [session, ps] of proposalsOf) {
      const rs = resultsOf.get(session) ?? [];
      expect(ps).toHaveLength(ROUNDS);
      expect(rs).toHaveLength(ROUNDS);
      let state = EMPTY_STATE;
      ps.forEach((p, r) => {
        const d = decisions.get(p.proposalId) as DecisionRecord;
        if (!UNFOLDED.has(d.errorCode)) {
          const tool = bundle.tools.get(p.tool);
          state = evolve(state, proposalReceived(p, tool, engine.outsideIntent(bundle, p) ?? false));
          state = evolve(state, decisionMade(p, tool, d.effect, d.ruleIds, d.decidedAtMs));
        }
        const result = rs[r] as ToolCallResult;
        expect(result.proposalId).toBe(p.proposalId);
        state = evolve(state, resultReported(result, bundle.tools.get(result.tool)));
      });
      folded.set(session, state);
    }
    expect(folded.size).toBe(SESSIONS);

    // The state as the processor restores it: the changelog up to a barrier, in log order (session-store.ts).
    const restore = new SessionRestore();
    for (const rec of await h.restoreChangelog()) {
      const key = rec.key?.toString('utf8') ?? '';
      if (key !== CHAIN_HEAD_KEY) restore.record(key, rec.value === null ? undefined : await h.serde.decode(t.sessionState, rec));
    }
    const latest = new Map(restore.entries());
    expect(latest.size).toBe(SESSIONS);
    const mismatched: string[] = [];
    for (const [session, entry] of latest) {
      if (!serializeState(entry.state).equals(serializeState(folded.get(session) ?? EMPTY_STATE))) mismatched.push(session);
    }
    expect(mismatched).toEqual([]);
    // The test is only meaningful if the states are not trivial: some sessions carry taint, denies and escalations.
    expect(new Set(seen.decisions.map((d) => d.effect))).toEqual(new Set(['allow', 'deny', 'escalate']));
  }, 600_000);
});
