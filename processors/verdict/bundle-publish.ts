// Start-up of an in-process pipeline (the demo, `arbiter eval --kafka`): the run's topics created with their
// configs, then a bundle signed with a key made for this run and its activation published on the compacted
// bundles topic. Returns the public key the verdict processor must trust under `keyId`.
import type { ApprovalsConnection } from '../approvals/connect.ts';
import { generateSigningKeys, signBundle, type PolicySource } from '../policy/index.ts';
import { ensureArbiterTopics } from '../runtime/topics.ts';
import { activationOf } from './policy-engine.ts';

export async function ensureTopicsAndPublishBundle(
  conn: ApprovalsConnection, bundleName: string, sources: readonly PolicySource[], keyId: string, activatedBy: string,
): Promise<{ readonly publicKeyPem: string }> {
  const admin = await conn.transport.admin();
  try {
    await ensureArbiterTopics(admin, conn.topics);
  } finally {
    await admin.close();
  }
  const keys = generateSigningKeys();
  const signed = signBundle(bundleName, sources, keys.privateKeyPem, keyId);
  await conn.producer.send([{ topic: conn.topics.policyBundles.topic, key: signed.name,
    value: conn.serde.encode(conn.topics.policyBundles, activationOf(signed, activatedBy, Date.now())) }]);
  return { publicKeyPem: keys.publicKeyPem };
}
