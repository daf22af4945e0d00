// Bundle signing with Ed25519 (node:crypto). The signature covers the bundle name and every source (path and
// text, in layer order) as canonical JSON, so a changed byte, a reordered layer or a renamed bundle fails.

import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { Problem } from '../core/errors.ts';
import type { PolicySource } from './model.ts';
import { canonicalJson } from './seal.ts';

export interface SignedBundle {
  readonly name: string;
  readonly sources: readonly PolicySource[];
  /** Which trusted key signed it. */
  readonly keyId: string;
  /** base64 Ed25519 signature of signedPayload(name, sources); "" when unsigned. */
  readonly signature: string;
}

export function signedPayload(name: string, sources: readonly PolicySource[]): Buffer {
  return Buffer.from(canonicalJson({ name, sources: sources.map((s) => ({ path: s.path, text: s.text })) }), 'utf8');
}

function privateKey(k: KeyObject | string): KeyObject {
  return typeof k === 'string' ? createPrivateKey(k) : k;
}
function publicKey(k: KeyObject | string): KeyObject {
  return typeof k === 'string' ? createPublicKey(k) : k;
}

export function generateSigningKeys(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey: priv, publicKey: pub } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: priv.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: pub.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function signBundle(name: string, sources: readonly PolicySource[], key: KeyObject | string, keyId: string): SignedBundle {
  const signature = sign(null, signedPayload(name, sources), privateKey(key)).toString('base64');
  return { name, sources, keyId, signature };
}

/** Returns no problems when the signature verifies against the trusted key named by keyId. */
export function verifyBundle(signed: SignedBundle, trustedKeys: Readonly<Record<string, KeyObject | string>>): Problem[] {
  const where = { key: `bundle ${signed.name}` };
  if (signed.signature === '') {
    return [{ code: 'ARB_POLICY_UNSIGNED', message: `bundle ${signed.name} has no signature`, severity: 'error', location: where }];
  }
  const key = Object.hasOwn(trustedKeys, signed.keyId) ? trustedKeys[signed.keyId] : undefined;
  if (key === undefined) {
    return [{ code: 'ARB_POLICY_BAD_SIGNATURE', message: `bundle ${signed.name} is signed by key "${signed.keyId}", which is not trusted`, severity: 'error', location: where }];
  }
  let ok = false;
  try {
    ok = verify(null, signedPayload(signed.name, signed.sources), publicKey(key), Buffer.from(signed.signature, 'base64'));
  } catch {
    ok = false;
  }
  return ok ? [] : [{ code: 'ARB_POLICY_BAD_SIGNATURE', message: `bundle ${signed.name}: signature does not verify with key "${signed.keyId}"`, severity: 'error', location: where }];
}
