// What the verdict processor needs from the policy engine. The engine (processors/policy) is bound to this in
// policy-engine.ts; tests may bind a small rule function. Contract: evaluate() is pure and synchronous (no I/O,
// time passed in); load() verifies a bundle's signature and compiles it, off the hot path, and throws an
// ArbiterError (bad signature, compile errors) to reject it.
import type { Decision, SessionFacts, ToolCallProposal } from '../core/types.ts';
import type { PolicyBundle } from '../policy/model.ts';
import type { PolicyBundleActivated } from '../../schemas/generated/PolicyBundleActivated.ts';

export interface PolicyEngine {
  evaluate(bundle: PolicyBundle, proposal: ToolCallProposal, facts: SessionFacts, nowMs: number): Decision;
  /** Whether the proposal's tool is outside its declared intent; undefined when the bundle has no such intent. */
  outsideIntent(bundle: PolicyBundle, proposal: ToolCallProposal): boolean | undefined;
  load(activated: PolicyBundleActivated): Promise<PolicyBundle>;
}
