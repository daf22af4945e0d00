// One bundle revision on the wire: a signed bundle is activated through the bundles topic, a proposal is decided
// under it by the verdict processor on the real broker, and the Verdict and the DecisionRecord name exactly the
// revision the PolicyBundleActivated event on the topic names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';
import { startVerdictProcessor, verdictConfigFromEnv, type RunningVerdict } from '../../processors/verdict/index.ts';
import { VerdictHarness, waitUntil, type Collected } from './helpers/verdict-harness.ts';

describe('bundle revision', () => {
  let h: VerdictHarness;
  let seen: Collected;
  let processor: RunningVerdict | undefined;

  beforeAll(async () => {
    h = await VerdictHarness.create({ name: 'itrevision', brokers: localBrokers(), partitions: 2 }); // publishes a signed bundle
    seen = await h.collect();
    processor = await startVerdictProcessor(verdictConfigFromEnv(h.childEnv('revision-test')));
  });

  afterAll(async () => {
    await processor?.close();
    await h?.close();
  });

  it('is the same in the activation event, the verdict and the decision record', async () => {
    const [activationRecord] = await h.readTopic(h.topics.policyBundles.topic, 1);
    const activation = await h.serde.decode(h.topics.policyBundles, activationRecord!);
    expect(activation.revision).toMatch(/^[0-9a-f]{64}$/);

    const p = h.proposal('revision-s1');
    await h.sendProposals([p]);
    await waitUntil('the decision record', () => seen.decisions.some((d) => d.proposalId === p.proposalId), 60_000);
    const decision = seen.decisions.find((d) => d.proposalId === p.proposalId);
    const verdicts = await Promise.all((await h.readTopic(h.topics.verdicts.topic, 1)).map((r) => h.serde.decode(h.topics.verdicts, r)));
    const verdict = verdicts.find((v) => v.proposalId === p.proposalId);

    expect(processor?.slot.current?.revision).toBe(activation.revision);
    expect(decision?.bundleRevision).toBe(activation.revision);
    expect(verdict?.bundleRevision).toBe(activation.revision);
  });
});
