// Core domain types shared by every processor. Types first: the policy engine, the trajectory fold,
// the runtime and the sinks all speak these. Keep them plain data (no classes) so they serialise to Avro/JSON.
// Node runs these .ts files directly (type stripping), so only erasable TypeScript is allowed: no enums.
// The Avro schemas are the source of truth for every shape that crosses the wire: a record type is the generated one
// (schemas/generated/, checked fresh by test/unit/schemas/codegen.test.ts) or derived from it; where the domain
// shape deliberately differs, the derivation names the fields and says why.
import type { ApprovalSpec } from '../../schemas/generated/ApprovalSpec.ts';
import type { DecisionOutcome } from '../../schemas/generated/DecisionOutcome.ts';
import type { DecisionRecord } from '../../schemas/generated/DecisionRecord.ts';
import type { Effect } from '../../schemas/generated/Effect.ts';
import type { Modification } from '../../schemas/generated/Modification.ts';
import type { RuleMode } from '../../schemas/generated/RuleMode.ts';
import type { SessionIdentity } from '../../schemas/generated/SessionIdentity.ts';
import type { ShadowOutcome } from '../../schemas/generated/ShadowOutcome.ts';
import type { ToolCallProposal as WireProposal } from '../../schemas/generated/ToolCallProposal.ts';
import type { ToolCallResult as WireResult } from '../../schemas/generated/ToolCallResult.ts';

export type { ApprovalSpec, DecisionOutcome, DecisionRecord, Effect, Modification, RuleMode, SessionIdentity, ShadowOutcome };

/** Effect precedence when several rules fire: deny > escalate > modify > allow. */
export const EFFECT_PRECEDENCE: Readonly<Record<Effect, number>> = { allow: 0, modify: 1, escalate: 2, deny: 3 };

/** What a tool does, ordered by privilege for escalation detection (read is least privileged). */
export type Verb = 'read' | 'remember' | 'write' | 'communicate' | 'execute' | 'delegate';
export const VERB_PRIVILEGE: Readonly<Record<Verb, number>> = {
  read: 0, remember: 1, write: 2, communicate: 3, execute: 4, delegate: 5,
};

/** Typed argument values: what the policy sees. JSON-shaped so any tool schema maps onto it. */
export type ArgValue = null | boolean | number | string | readonly ArgValue[] | { readonly [k: string]: ArgValue };
export type Args = { readonly [name: string]: ArgValue };

/**
 * A tool call an agent intends to make. It may not act before it has a verdict. The wire record with two deliberate
 * differences: args are JSON-shaped (what the policy reads) instead of the wire's tagged ArgValue union, and what a
 * proposal carries besides the call (pendingResults, trustedContext, pendingResolutions) stays on the wire value (runtime/serde/records.ts).
 */
export interface ToolCallProposal extends Omit<WireProposal, 'args' | 'pendingResults' | 'trustedContext' | 'pendingResolutions'> {
  readonly args: Args;
}

/**
 * What an executed tool call reported back; feeds the trajectory (volume, taint, destinations and values seen). The wire
 * record without its delivery fields (durationMs, and stream/seq, which the fold reads from the wire value).
 */
export interface ToolCallResult extends Omit<WireResult, 'durationMs' | 'stream' | 'seq' | 'valuesSeen'> {
  /** Named and quoted values (normalizeValue keys, core/named-values.ts) that appeared in this output; absent: none
   * reported (the wire writes []). ToolCallResult v4 carries it; the SDK extracts it from the output text. */
  readonly valuesSeen?: readonly string[];
}

/**
 * The pure output of evaluate(). Deterministic: same bundle, proposal, facts and time give the same Decision.
 * Not the wire Verdict on purpose: absent rather than null/"" fields, JSON-shaped args, fact names (the record holds values).
 */
export interface Decision extends DecisionOutcome {
  /** Arguments after modifications, present when effect is "modify" (and on "escalate" when modify rules changed something). */
  readonly modifiedArgs?: Args;
  readonly approval?: ApprovalSpec;
  /** Ids of firing enforce rules marked alert: true (e.g. a loop was blocked); the aggregator raises alerts. */
  readonly alerts?: readonly string[];
  readonly shadow: readonly ShadowOutcome[];
  readonly bundleRevision: string;
  /** Names of the session facts the matching rules read (for the audit record). */
  readonly factsUsed: readonly string[];
  /** Stable error code when the decision comes from an error path (e.g. ARB_VERDICT_DEADLINE_PASSED). */
  readonly errorCode?: string;
}

/** Where a destination was first seen in this session. */
export type DestinationOrigin = 'trusted' | 'untrusted' | 'unseen';
/** Where a named value first entered the session: as for destinations, and 'user' when the user's own words (trusted input) named it. */
export type ValueOrigin = DestinationOrigin | 'user';

/**
 * Session facts the policy can read, computed by the trajectory module for one proposal at one time.
 * Everything here is addressable in the policy language (e.g. session.tainted, session.read.records{label=pii}).
 * Plain data plus one lookup so evaluate() stays pure and cheap.
 */
export interface SessionFacts {
  readonly tainted: boolean;
  readonly taintSources: readonly string[];
  readonly stepCount: number;
  readonly readRecords: Readonly<Record<string, number>>;
  readonly readBytes: Readonly<Record<string, number>>;
  readonly deniedCalls: number;
  /** Retries after deny seen so far in the session (same tool and intent, altered arguments). */
  readonly deniedRetries: number;
  /** This proposal itself is a retry after deny. */
  readonly isRetryAfterDeny: boolean;
  /** 0..1: highest similarity of this proposal's arguments to a denied call of the same tool. */
  readonly retrySimilarity: number;
  /** Identical calls (same tool, same argument fingerprint) in the loop window, this one included. */
  readonly identicalCallsInWindow: number;
  /** Near-identical calls in the loop window, this one included. */
  readonly similarCallsInWindow: number;
  /** Calls per minute over a sliding window. */
  readonly ratePerMinute: { readonly session: number; readonly agent: number; readonly tenant: number };
  readonly spent: { readonly day: number; readonly month: number };
  /** This proposal's verb is more privileged than any before in the session. */
  readonly privilegeEscalation: boolean;
  readonly quarantined: boolean;
  readonly destinationOrigin: (destination: string) => DestinationOrigin;
  /** Where a named value (normalizeValue key) first entered the session; absent: the fold tracks no values ('unseen'). */
  readonly valueOrigin?: (value: string) => ValueOrigin;
  /** This proposal's tool is outside the declared intent's tool set (absent: no intent check was made). */
  readonly outsideIntent?: boolean;
  /** Earlier proposals in the session that were outside their declared intent. */
  readonly outsideIntentCalls?: number;
}

/** Facts for a session that has no history: the default when nothing is known. */
export const EMPTY_FACTS: SessionFacts = Object.freeze({
  tainted: false,
  taintSources: [],
  stepCount: 0,
  readRecords: {},
  readBytes: {},
  deniedCalls: 0,
  deniedRetries: 0,
  isRetryAfterDeny: false,
  retrySimilarity: 0,
  identicalCallsInWindow: 1,
  similarCallsInWindow: 1,
  ratePerMinute: { session: 0, agent: 0, tenant: 0 },
  spent: { day: 0, month: 0 },
  privilegeEscalation: false,
  quarantined: false,
  destinationOrigin: () => 'unseen' as const,
});
