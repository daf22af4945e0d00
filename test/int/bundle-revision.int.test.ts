// One bundle revision on the wire: a signed bundle is activated through the bundles topic, a proposal is decided
// under it by the verdict processor on the real broker, and the Verdict and the DecisionRecord name exactly the
// revision the PolicyBundleActivated event on the topic names; `arbiter policy check|sign|publish` print that value.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBrokers } from '../../bench/kafka-clients/local-brokers.ts';
import { localRegistryUrl } from '../../processors/runtime/serde/registry.ts';
import { POLICY } from '../unit/verdict/fixtures.ts';
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

  it('is what arbiter policy check, sign and publish print, and what the published activation names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-publish-'));
    const prefix = `${h.topics.policyBundles.topic.replace(/\.policy-bundles$/, '')}-cli`;
    try {
      const cli = async (...args: string[]): Promise<string> => (await promisify(execFile)(process.execPath,
        [join(import.meta.dirname, '..', '..', 'processors', 'bin', 'arbiter.ts'), 'policy', ...args], {
          env: { ...process.env, KAFKA_BROKERS: localBrokers().join(','), SCHEMA_REGISTRY_URL: localRegistryUrl(), ARBITER_TOPIC_PREFIX: prefix, ARBITER_PARTITIONS: '2' },
        })).stdout;
      writeFileSync(join(dir, 'p.yaml'), POLICY);
      await cli('keygen', '--out', join(dir, 'k'));
      const checked = /revision ([0-9a-f]{64})/.exec(await cli('check', join(dir, 'p.yaml')))?.[1];
      const signed = /revision ([0-9a-f]{64})/.exec(await cli('sign', join(dir, 'p.yaml'), '--key', join(dir, 'k.key'), '--key-id', 'cli', '--out', join(dir, 's.json')))?.[1];
      const published = await cli('publish', join(dir, 's.json'), '--by', 'it');
      expect(published).toMatch(new RegExp(`^published verdict-test revision ${checked} -> ${prefix}\\.policy-bundles`));
      expect(signed).toBe(checked);

      const topic = `${prefix}.policy-bundles`;
      const [record] = await h.readTopic(topic, 1);
      const activation = await h.serde.decode({ ...h.topics.policyBundles, topic }, record!);
      expect(activation).toMatchObject({ bundleName: 'verdict-test', revision: checked, keyId: 'cli', activatedBy: 'it' });
      expect(activation.revision).toBe(processor?.slot.current?.revision); // same sources as the harness's bundle
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
