// Binds the verdict processor's PolicyEngine port to processors/policy: BundleHolder (signature check + compile)
// for load(), evaluate() as is, and the intent table of the bundle for outsideIntent() (globs compiled once per
// bundle, cached by bundle object). On the wire a bundle is PolicyBundleActivated whose `bundle` bytes are the
// JSON document { name, sources } that was signed; signature and keyId travel beside it.
// One revision everywhere: the activation's `revision` is the compiled bundle's content hash (PolicyBundle.revision,
// sha256 of its canonical form), the same value every Decision, Verdict and DecisionRecord made under it carries and
// `arbiter policy` prints. load() refuses an activation whose revision is not its bundle's (ARB_POLICY_REVISION_MISMATCH).
import { ArbiterError, type ErrorCode, type Problem } from '../core/errors.ts';
import type { ToolCallProposal } from '../core/types.ts';
import { BundleHolder, compileBundle, evaluate, type BundleHolderOptions, type PolicyBundle, type PolicySource } from '../policy/index.ts';
import type { SignedBundle } from '../policy/signing.ts';
import type { PolicyBundleActivated } from '../../schemas/generated/PolicyBundleActivated.ts';
import type { PolicyEngine } from './policy-port.ts';

function rejection(problems: readonly Problem[], fallback: ErrorCode): ArbiterError {
  const errors = problems.filter((p) => p.severity === 'error');
  const first = errors[0];
  return new ArbiterError(first?.code ?? fallback, errors.map((p) => (p === first ? p.message : `${p.code}: ${p.message}`)).join('; ') || 'rejected');
}

/** The wire form of a signed bundle, e.g. for publishing and tests. Compiles it to name its revision; a bundle that
 *  does not compile cannot be activated (throws the first compile error's code). */
export function activationOf(signed: SignedBundle, activatedBy: string, nowMs: number): PolicyBundleActivated {
  const { bundle: compiled, problems } = compileBundle(signed.sources);
  if (compiled === undefined) throw rejection(problems, 'ARB_VERDICT_BUNDLE_REJECTED');
  const bundle = Buffer.from(JSON.stringify({ name: signed.name, sources: signed.sources }));
  return {
    bundleName: signed.name, revision: compiled.revision,
    bundle, signature: signed.signature, keyId: signed.keyId, activatedBy, activatedAtMs: nowMs,
  };
}

export function signedOf(a: PolicyBundleActivated): SignedBundle {
  let doc: { name?: unknown; sources?: unknown };
  try {
    doc = JSON.parse(a.bundle.toString('utf8')) as typeof doc;
  } catch (error) {
    throw new ArbiterError('ARB_VERDICT_BUNDLE_REJECTED', `bundle ${a.bundleName}: document is not JSON: ${(error as Error).message}`);
  }
  const sources = Array.isArray(doc.sources) ? (doc.sources as PolicySource[]) : [];
  if (doc.name !== a.bundleName || sources.some((s) => typeof s?.path !== 'string' || typeof s?.text !== 'string')) {
    throw new ArbiterError('ARB_VERDICT_BUNDLE_REJECTED', `bundle ${a.bundleName}: document must be { name: "${a.bundleName}", sources: [{ path, text }] }`);
  }
  return { name: a.bundleName, sources, keyId: a.keyId, signature: a.signature };
}


export function createPolicyEngine(options: BundleHolderOptions): PolicyEngine {
  return {
    evaluate,
    outsideIntent(bundle: PolicyBundle, proposal: ToolCallProposal): boolean | undefined {
      const onTask = bundle.onTask(proposal.intent, proposal.tool);
      return onTask === undefined ? undefined : !onTask;
    },
    async load(activated: PolicyBundleActivated): Promise<PolicyBundle> {
      const holder = new BundleHolder(options);
      const outcome = holder.load(signedOf(activated));
      const bundle = holder.current();
      if (!outcome.accepted || bundle === undefined) throw rejection(outcome.problems, 'ARB_VERDICT_BUNDLE_REJECTED');
      if (bundle.revision !== activated.revision) {
        throw new ArbiterError('ARB_POLICY_REVISION_MISMATCH',
          `bundle ${activated.bundleName}: the activation names revision "${activated.revision}" but the bundle's content hash is ${bundle.revision}`);
      }
      return bundle;
    },
  };
}
