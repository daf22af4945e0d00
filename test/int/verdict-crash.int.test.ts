// Must-hold (issue 4): the verdict processor, run as its own process (processors/bin/verdict.ts), is SIGKILLed at
// several points while 10,000 proposals flow, and restarted each time. Kill points: after 1,500 and 4,000 committed
// verdicts (mid-stream), 400 ms after a restarted processor logged "started" (during its rebalance/restore), and
// after 8,000. Then, read with read_committed: every proposal has exactly one verdict (no loss, no duplicate), exactly
// one decision record, and every per-partition hash chain links from genesis without a gap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';
import { startVerdictChild, type ChildProcessor } from './helpers/processes.ts';
import { chainBreaks, sleep, VerdictHarness, waitUntil, type Collected } from './helpers/verdict-harness.ts';

const N = 10_000;
const PARTITIONS = 4;
const SESSIONS = 200;
const CHUNK = 50;
const CHUNK_EVERY_MS = 120;

describe('verdict processor killed with SIGKILL mid-stream', () => {
  let h: VerdictHarness;
  let current: ChildProcessor | undefined;
  const outputs: string[] = [];
  let seen: Collected;

  beforeAll(async () => {
    h = await VerdictHarness.create({ name: 'itcrash', brokers: localBrokers(), partitions: PARTITIONS });
    seen = await h.collect();
  });

  afterAll(async () => {
    await current?.kill();
    await h?.close();
  });

  const restart = async (label: string): Promise<ChildProcessor> => {
    if (current) outputs.push(current.tail());
    current = startVerdictChild(h.childEnv('crash-test'), label);
    await current.ready;
    return current;
  };

  it('gives every proposal exactly one verdict and one chained decision across four SIGKILLs', async () => {
    await restart('processor 1');
    const sent: string[] = [];
    let producing = true;
    const producer = (async () => {
      for (let i = 0; i < N; i += CHUNK) {
        const chunk = Array.from({ length: Math.min(CHUNK, N - i) }, (_, j) => {
          const s = (i + j) % SESSIONS;
          return h.proposal(`crash-s${s}`, {
            replyPartition: s % PARTITIONS,
            ...((i + j) % 7 === 0 ? { tool: 'send_email', args: { to: ['bob@example.com'], subject: 's', body: `n${i + j}` } } : {}),
          });
        });
        await h.sendProposals(chunk);
        sent.push(...chunk.map((p) => p.proposalId));
        await sleep(CHUNK_EVERY_MS);
      }
      producing = false;
    })();

    const verdicts = () => seen.verdictIds.length;
    const diag = () => `${verdicts()} verdicts, ${seen.decisions.length} decisions, ${sent.length} sent\n${current?.tail() ?? ''}`;
    const kills: string[] = [];
    for (const [at, label] of [[1_500, 'processor 2'], [4_000, 'processor 3']] as const) {
      await waitUntil(`${at} verdicts`, () => verdicts() >= at, 120_000, diag);
      await current?.kill();
      kills.push(`after ${verdicts()} verdicts`);
      await restart(label);
    }
    await sleep(400);
    await current?.kill();
    kills.push(`400 ms after start (${verdicts()} verdicts)`);
    await restart('processor 5');
    await waitUntil('8000 verdicts', () => verdicts() >= 8_000, 120_000, diag);
    await current?.kill();
    kills.push(`after ${verdicts()} verdicts`);
    await restart('processor 6');

    await producer;
    expect(producing).toBe(false);
    await waitUntil(`${N} verdicts`, () => new Set(seen.verdictIds).size >= N && seen.decisions.length >= N, 180_000, diag);
    await sleep(2_000); // a late duplicate would show up here
    const dupes = (ids: readonly string[]) => ids.length - new Set(ids).size;
    console.log(`crash test: kills ${kills.join('; ')}; duplicate verdicts ${dupes(seen.verdictIds)}, duplicate decisions ${dupes(seen.decisions.map((d) => d.proposalId))}`);
    if (dupes(seen.verdictIds) > 0) console.log([...outputs, current?.tail() ?? ''].join('\n'));

    const sentSet = new Set(sent);
    expect(sentSet.size).toBe(N);
    expect(seen.verdictIds).toHaveLength(N);
    expect(new Set(seen.verdictIds)).toEqual(sentSet);
    expect(seen.decisions).toHaveLength(N);
    expect(new Set(seen.decisions.map((d) => d.proposalId))).toEqual(sentSet);
    expect(new Set(seen.decisions.map((d) => d.decisionId)).size).toBe(N);
    expect(chainBreaks(seen.decisions)).toEqual([]);
    const perPartition = new Map<number, number[]>();
    for (const d of seen.decisions) perPartition.set(d.chainPartition, [...(perPartition.get(d.chainPartition) ?? []), d.chainSeq]);
    expect([...perPartition.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const seqs of perPartition.values()) expect(seqs).toEqual(seqs.map((_, i) => i));
    // The restarted processors resumed from restored state (chain heads at least), not from scratch.
    outputs.push(current?.tail() ?? '');
    expect(outputs.join('\n')).toMatch(/"event":"restored".*"records":[1-9]/);
  }, 420_000);
});
