// One bundle revision: the activation event names the compiled bundle's content hash, the engine refuses an
// activation naming anything else, and a decision under the loaded bundle carries that same revision.
import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../../processors/core/errors.ts';
import { compileBundle, generateSigningKeys, signBundle } from '../../../processors/policy/index.ts';
import { EMPTY_STATE } from '../../../processors/trajectory/index.ts';
import { decide } from '../../../processors/verdict/decide.ts';
import { activationOf, createPolicyEngine } from '../../../processors/verdict/policy-engine.ts';
import { POLICY, proposal } from './fixtures.ts';

const keys = generateSigningKeys();
const SOURCES = [{ path: 'p.yaml', text: POLICY }];
const signed = signBundle('verdict-test', SOURCES, keys.privateKeyPem, 'k1');
const engine = createPolicyEngine({ requireSignature: true, trustedKeys: { k1: keys.publicKeyPem } });

describe('activation revision', () => {
  it('is the compiled bundle\'s content hash, and decisions under the loaded bundle carry it', async () => {
    const activation = activationOf(signed, 'unit', 0);
    expect(activation.revision).toBe(compileBundle(SOURCES).bundle?.revision);
    expect(activation.revision).toMatch(/^[0-9a-f]{64}$/);
    const bundle = await engine.load(activation);
    expect(bundle.revision).toBe(activation.revision);
    expect(decide(engine, bundle, proposal(), EMPTY_STATE, 1_500_000).decision.bundleRevision).toBe(activation.revision);
  });

  it('does not change with formatting or comments, and changes with content', () => {
    const reformatted = signBundle('verdict-test', [{ path: 'other-name.yaml', text: `# a comment\n${POLICY}\n\n` }], keys.privateKeyPem, 'k1');
    expect(activationOf(reformatted, 'unit', 0).revision).toBe(activationOf(signed, 'unit', 0).revision);
    const changed = signBundle('verdict-test', [{ path: 'p.yaml', text: POLICY.replace('default: deny', 'default: allow') }], keys.privateKeyPem, 'k1');
    expect(activationOf(changed, 'unit', 0).revision).not.toBe(activationOf(signed, 'unit', 0).revision);
  });

  it('is refused when it names another revision (ARB_POLICY_REVISION_MISMATCH), e.g. the old sha256: of the signed payload', async () => {
    const activation = activationOf(signed, 'unit', 0);
    const wrong = { ...activation, revision: `sha256:${activation.revision}` };
    const error = await engine.load(wrong).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ArbiterError);
    expect((error as ArbiterError).code).toBe('ARB_POLICY_REVISION_MISMATCH');
    expect((error as Error).message).toContain(activation.revision);
  });

  it('cannot be made for a bundle that does not compile', () => {
    const broken = signBundle('verdict-test', [{ path: 'p.yaml', text: 'bundle: b\nrules: [{ id: r }]\n' }], keys.privateKeyPem, 'k1');
    expect(() => activationOf(broken, 'unit', 0)).toThrow(ArbiterError);
  });
});
