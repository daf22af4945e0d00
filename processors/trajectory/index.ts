// Public API of the session trajectory: state, events, the pure fold, facts for the policy, and the changelog form.

export type { SessionState } from './state.ts';
export { EMPTY_STATE } from './state.ts';
export type { ToolInfo } from './tool-info.ts';
export type {
  ApprovalResolved, DecisionMade, ProposalReceived, QuarantineSignal, ResultReported, SessionEvent, TrustedInput,
} from './events.ts';
export { decisionMade, inTimeOrder, proposalReceived, resultReported, trustedInput } from './events.ts';
export type { EventOrder } from './sequence.ts';
export { evolve, fold } from './evolve.ts';
export type { FactsContext } from './facts.ts';
export { factsFor } from './facts.ts';
export { STATE_FORMAT, deserializeState, serializeState } from './serde.ts';
export { canonicalDestination } from './hash.ts';
export { fingerprintArgs, fingerprintCall, signatureSimilarity } from './fingerprint.ts';
