import { describe, expect, it } from 'vitest';
import { BundleHolder, generateSigningKeys, signBundle, verifyBundle } from '../../../processors/policy/index.ts';

const keys = generateSigningKeys();
const other = generateSigningKeys();
const GOOD = [{ path: 'b.yaml', text: 'bundle: b\nrules:\n  - { id: r, tools: t, effect: allow }\n' }];
const GOOD2 = [{ path: 'b.yaml', text: 'bundle: b\nrules:\n  - { id: r, tools: t, effect: deny }\n' }];
const BROKEN = [{ path: 'b.yaml', text: 'bundle: b\nrules: [{ id: r }]\n' }];

describe('bundle signing', () => {
  it('verifies a bundle signed with a trusted key', () => {
    expect(verifyBundle(signBundle('b', GOOD, keys.privateKeyPem, 'k1'), { k1: keys.publicKeyPem })).toEqual([]);
  });
  it('rejects a changed byte, a wrong key, an unknown key id and a missing signature', () => {
    const signed = signBundle('b', GOOD, keys.privateKeyPem, 'k1');
    const tampered = { ...signed, sources: [{ path: 'b.yaml', text: GOOD[0]!.text.replace('allow', 'deny ') }] };
    expect(verifyBundle(tampered, { k1: keys.publicKeyPem })[0]?.code).toBe('ARB_POLICY_BAD_SIGNATURE');
    expect(verifyBundle(signed, { k1: other.publicKeyPem })[0]?.code).toBe('ARB_POLICY_BAD_SIGNATURE');
    expect(verifyBundle(signed, { k2: keys.publicKeyPem })[0]?.code).toBe('ARB_POLICY_BAD_SIGNATURE');
    expect(verifyBundle({ ...signed, signature: '' }, { k1: keys.publicKeyPem })[0]?.code).toBe('ARB_POLICY_UNSIGNED');
    expect(verifyBundle({ ...signed, signature: 'not base64 at all!!' }, { k1: keys.publicKeyPem })[0]?.code).toBe('ARB_POLICY_BAD_SIGNATURE');
  });
});

describe('BundleHolder', () => {
  it('activates a good signed bundle and keeps it when a bad or unsigned one arrives', () => {
    const holder = new BundleHolder({ requireSignature: true, trustedKeys: { k1: keys.publicKeyPem } });
    expect(holder.current()).toBeUndefined();
    const first = holder.load(signBundle('b', GOOD, keys.privateKeyPem, 'k1'));
    expect(first.accepted).toBe(true);
    const active = holder.current();
    expect(active?.revision).toBe(first.activeRevision);

    const unsigned = holder.load({ name: 'b', sources: GOOD2, keyId: '', signature: '' });
    expect(unsigned).toMatchObject({ accepted: false, activeRevision: first.activeRevision });
    expect(unsigned.problems[0]?.code).toBe('ARB_POLICY_UNSIGNED');

    const badSig = holder.load(signBundle('b', GOOD2, other.privateKeyPem, 'k1'));
    expect(badSig.accepted).toBe(false);

    const broken = holder.load(signBundle('b', BROKEN, keys.privateKeyPem, 'k1'));
    expect(broken.accepted).toBe(false);
    expect(broken.problems.some((p) => p.code === 'ARB_POLICY_MISSING_FIELD')).toBe(true);
    expect(holder.current()).toBe(active);

    const second = holder.load(signBundle('b', GOOD2, keys.privateKeyPem, 'k1'));
    expect(second.accepted).toBe(true);
    expect(holder.current()?.revision).not.toBe(first.activeRevision);
  });
  it('accepts unsigned bundles only when signing is not required', () => {
    const holder = new BundleHolder({ requireSignature: false, trustedKeys: {} });
    expect(holder.load({ name: 'b', sources: GOOD, keyId: '', signature: '' }).accepted).toBe(true);
  });
});
