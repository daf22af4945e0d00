// `arbiter policy publish SIGNED.json [--by NAME]`: activates a bundle signed by `arbiter policy sign` by producing
// its PolicyBundleActivated event (key = bundle name) to <ARBITER_TOPIC_PREFIX>.policy-bundles. The event names the
// compiled bundle's revision, the one `check`/`sign` print and every decision under it carries. Endpoints: the
// environment over .run/stack.env, as for every processor. The verdict processors verify the signature themselves.
import { readFileSync } from 'node:fs';
import { ArbiterError } from '../core/errors.ts';
import { processorSettingsFromEnv, type ProcessorSettings } from '../core/processor-config.ts';
import { withLocalStack } from '../approvals/config.ts';
import type { SignedBundle } from '../policy/signing.ts';
import { createRegistryClient } from '../runtime/serde/registry.ts';
import { TopicSerde } from '../runtime/serde/topic-serde.ts';
import { defineTopics, ensureArbiterTopics } from '../runtime/topics.ts';
import { createTransport } from '../runtime/transport/index.ts';
import { activationOf } from '../verdict/policy-engine.ts';
import { kafkaUnreachable } from './failure.ts';

/** Reads a signed bundle file, refusing anything that is not { name, sources: [{ path, text }], keyId, signature }. */
export function readSignedBundle(file: string): SignedBundle {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ArbiterError('ARB_CLI_INPUT_UNREADABLE', `cannot read the signed bundle: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { file });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ArbiterError('ARB_VERDICT_BUNDLE_REJECTED', `${file} is not JSON: ${(error as Error).message}`, { file });
  }
  const d = doc as Partial<Record<keyof SignedBundle, unknown>> | null;
  const sources = d?.sources;
  if (typeof d?.name !== 'string' || typeof d.keyId !== 'string' || typeof d.signature !== 'string' || !Array.isArray(sources)
    || !sources.every((s: unknown) => typeof (s as { path?: unknown })?.path === 'string' && typeof (s as { text?: unknown })?.text === 'string')) {
    throw new ArbiterError('ARB_VERDICT_BUNDLE_REJECTED', `${file} is not a signed bundle ({ name, sources: [{ path, text }], keyId, signature }; made by arbiter policy sign)`, { file });
  }
  return { name: d.name, sources: sources as SignedBundle['sources'], keyId: d.keyId, signature: d.signature };
}

export interface Published {
  readonly name: string;
  readonly revision: string;
  readonly topic: string;
}

export async function publishSignedBundle(file: string, activatedBy: string, env: NodeJS.ProcessEnv): Promise<Published> {
  const signed = readSignedBundle(file);
  const activation = activationOf(signed, activatedBy, Date.now());
  const settings = processorSettingsFromEnv(withLocalStack(env));
  try {
    return await publish(signed, activation, settings);
  } catch (error) {
    throw kafkaUnreachable(error, settings.brokers);
  }
}

async function publish(signed: SignedBundle, activation: ReturnType<typeof activationOf>, settings: ProcessorSettings): Promise<Published> {
  const topics = defineTopics({ prefix: settings.topicPrefix, partitions: settings.partitions, replicationFactor: settings.replicationFactor });
  const transport = await createTransport(settings.kafkaClient, { brokers: settings.brokers, clientId: `arbiter-policy-publish-${process.pid}`, security: settings.kafkaSecurity });
  const admin = await transport.admin();
  try {
    await ensureArbiterTopics(admin, topics);
  } finally {
    await admin.close();
  }
  const serde = new TopicSerde(createRegistryClient(settings.registryUrl, settings.registryAuth), topics);
  await serde.registerAll();
  const producer = await transport.producer({ idempotent: true });
  try {
    await producer.send([{ topic: topics.policyBundles.topic, key: signed.name, value: serde.encode(topics.policyBundles, activation) }]);
  } finally {
    await producer.close();
  }
  return { name: signed.name, revision: activation.revision, topic: topics.policyBundles.topic };
}
