// Core domain types shared by every processor. Types first: the policy engine, the trajectory fold,
// the runtime and the sinks all speak these. Keep them plain data (no classes) so they serialise to Avro/JSON.
// Node runs these .ts files directly (type stripping), so only erasable TypeScript is allowed: no enums.

/** The outcome of a decision. Precedence when several rules fire: deny > escalate > modify > allow. */
export type Effect = 'allow' | 'deny' | 'modify' | 'escalate';
export const EFFECT_PRECEDENCE: Readonly<Record<Effect, number>> = { allow: 0, modify: 1, escalate: 2, deny: 3 };

/** enforce changes the verdict; warn and observe only record what the rule would have done. */
export type RuleMode = 'enforce' | 'warn' | 'observe';

/** What a tool does, ordered by privilege for escalation detection (read is least privileged). */
export type Verb = 'read' | 'remember' | 'write' | 'communicate' | 'execute' | 'delegate';
export const VERB_PRIVILEGE: Readonly<Record<Verb, number>> = {
  read: 0, remember: 1, write: 2, communicate: 3, execute: 4, delegate: 5,
};

/** Typed argument values: what the policy sees. JSON-shaped so any tool schema maps onto it. */
export type ArgValue = null | boolean | number | string | readonly ArgValue[] | { readonly [k: string]: ArgValue };
export type Args = { readonly [name: string]: ArgValue };

/** Who acts, for whom, where: fixed for one session. Role and environment are scope attributes rules select on. */
export interface SessionIdentity {
  readonly sessionId: string;
  readonly agentId: string;
  /** The user who delegated the task to the agent. */
  readonly userId: string;
  readonly tenantId: string;
  readonly agentRole: string;
  readonly environment: string;
}

/** A tool call an agent intends to make. It may not act before it has a verdict. */
export interface ToolCallProposal extends SessionIdentity {
  readonly proposalId: string;
  readonly tool: string;
  readonly args: Args;
  /** Declared task intent (e.g. "flight_booking"); "" when none was declared. */
  readonly intent: string;
  /** Where the verdict goes (request/reply). */
  readonly replyTopic: string;
  readonly replyPartition: number;
  /** Epoch ms after which the agent no longer waits; a later verdict is useless, so it is denied. */
  readonly deadlineMs: number;
  readonly createdAtMs: number;
}

/** What an executed tool call reported back. Feeds the trajectory (volume, taint, destinations seen). */
export interface ToolCallResult {
  readonly proposalId: string;
  readonly sessionId: string;
  readonly agentId: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly tool: string;
  readonly outcome: 'success' | 'error' | 'skipped';
  /** Records and bytes read, per data label (e.g. { pii: 12 }). */
  readonly recordsRead: Readonly<Record<string, number>>;
  readonly bytesRead: Readonly<Record<string, number>>;
  /** Untrusted sources whose content entered the agent's context with this output (e.g. "email:inbox"). */
  readonly untrustedSources: readonly string[];
  /** Destinations (addresses, URLs, IBANs, hosts) that appeared in this output. */
  readonly destinationsSeen: readonly string[];
  /** Named and quoted values (normalizeValue keys, core/named-values.ts) that appeared in this output; absent: none reported. */
  readonly valuesSeen?: readonly string[];
  /** The agent applied a modify verdict's changes before acting. */
  readonly modificationApplied: boolean;
  /** Cost of the call in the budget's currency units. */
  readonly cost: number;
  readonly completedAtMs: number;
}

export interface Modification {
  readonly kind: 'redact' | 'mask' | 'cap' | 'truncate';
  /** Argument path, dot separated (e.g. "body", "items"). */
  readonly path: string;
  readonly ruleId: string;
  readonly detail: string;
}

export interface ApprovalSpec {
  readonly approvers: readonly string[];
  readonly timeoutMs: number;
  readonly onTimeout: 'allow' | 'deny';
  readonly ruleId: string;
}

/** What a warn/observe rule would have done had it been enforced. */
export interface ShadowOutcome {
  readonly ruleId: string;
  readonly mode: RuleMode;
  readonly effect: Effect;
  readonly reason: string;
}

/** The pure output of evaluate(). Deterministic: same bundle, proposal, facts and time give the same Decision. */
export interface Decision {
  readonly effect: Effect;
  /** Rules that determined the effect (enforce mode), in evaluation order. */
  readonly ruleIds: readonly string[];
  /** Human reasons; each names the tool, the rule and the list or fact that caused it. */
  readonly reasons: readonly string[];
  readonly modifications: readonly Modification[];
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
  readonly valueOrigin?: (value: string) => DestinationOrigin;
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

/**
 * The audit event for one decision: what the ClickHouse sink stores and the SIEM forwarders send.
 * Arguments are minimised per tool metadata (labels, hashes, redacted values), never raw secrets.
 * Records are hash-chained per decisions partition: hash = sha256(prevHash + canonical record without hash).
 */
export interface DecisionRecord {
  readonly decisionId: string;
  readonly proposalId: string;
  readonly sessionId: string;
  readonly agentId: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly agentRole: string;
  readonly environment: string;
  readonly tool: string;
  readonly intent: string;
  readonly effect: Effect;
  readonly ruleIds: readonly string[];
  readonly reasons: readonly string[];
  readonly modifications: readonly Modification[];
  readonly shadow: readonly ShadowOutcome[];
  readonly bundleRevision: string;
  /** argument name -> minimised value ("sha256:…", "[redacted:pii]", or a safe literal). */
  readonly argsMinimised: Readonly<Record<string, string>>;
  readonly dataLabels: readonly string[];
  readonly destinations: readonly string[];
  /** fact name -> value as text, only the facts the deciding rules read. */
  readonly factsUsed: Readonly<Record<string, string>>;
  readonly approvalId: string;
  readonly errorCode: string;
  readonly decidedAtMs: number;
  /** Proposal creation to verdict produced, microseconds. */
  readonly latencyUs: number;
  /** Position in the per-partition hash chain. */
  readonly chainPartition: number;
  readonly chainSeq: number;
  readonly prevHash: string;
  readonly hash: string;
}
