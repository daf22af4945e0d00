// The Arbiter agent SDK (package export "arbiter/sdk"). See README.md, "Agent SDK".
export { ArbiterClient, AgentSession } from './client.ts';
export type { ArbiterClientOptions } from './options.ts';
export type {
  AgentVerdict, ApprovalOutcome, ProposeOptions, ReportedResult, SessionIdentity, ToolCall, TrustedDeclaration, VerdictSource,
} from './types.ts';
export type { Args, ArgValue, Effect, Modification } from '../core/types.ts';
