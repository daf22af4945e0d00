// The agent-facing types of the SDK: what an agent passes in (a call, a result) and what it gets back (a verdict it
// can act on). Plain data.
import type { Args, SessionIdentity as CoreSessionIdentity, ToolCallResult } from '../core/types.ts';
import type { ApprovalStatus } from '../approvals/ledger.ts';
import type { Verdict } from '../../schemas/generated/Verdict.ts';

/** Who acts, for whom, where: fixed for one session (the core identity plus an optional declared intent). */
export interface SessionIdentity extends CoreSessionIdentity {
  /** Declared task intent ("" when none). */
  readonly intent?: string;
}

export interface ToolCall {
  readonly tool: string;
  readonly args: Args;
}

export interface ProposeOptions {
  /** How long to wait for a verdict, ms from now (the proposal carries the absolute deadline). */
  readonly deadlineMs?: number;
  /** For escalations: how long to wait for the approval outcome, ms; 0 returns `pending` with the approval id. */
  readonly approvalWaitMs?: number;
}

/** Where the verdict came from: the processor, or the SDK itself when none arrived in time (fail closed/open). */
export type VerdictSource = 'processor' | 'no-verdict';

export interface ApprovalOutcome {
  readonly approvalId: string;
  readonly status: ApprovalStatus;
  readonly resolvedBy: string;
  readonly reason: string;
  /** Epoch ms at which a pending approval expires (0 when unknown). */
  readonly expiresAtMs: number;
}

/**
 * What the agent acts on. Run the tool only when `proceed` is true, and only with `args`. The processor's Verdict
 * fields it passes on, plus what the agent needs to act. When no verdict arrived in time (or the proposal was not
 * sent) the SDK fills them itself (no-verdict.ts): deny, allow for a configured low-risk read, with the error code.
 */
export interface AgentVerdict
  extends Pick<Verdict, 'proposalId' | 'decisionId' | 'effect' | 'ruleIds' | 'reasons' | 'modifications' | 'errorCode' | 'bundleRevision'> {
  readonly tool: string;
  readonly proceed: boolean;
  /** The arguments to run with: the proposed ones, or the modified ones for a modify verdict. */
  readonly args: Args;
  /** A modify verdict's changes were applied to `args` (reportResult() acknowledges this to the processor). */
  readonly modificationApplied: boolean;
  /** Present for escalations: approved / rejected / expired, or pending with the id to wait on later. */
  readonly approval?: ApprovalOutcome;
  readonly source: VerdictSource;
  /** propose() call to verdict (and approval outcome, when waited for), ms. */
  readonly latencyMs: number;
}

/** What the agent reports after running (or not running) a call. */
export interface ReportedResult {
  readonly outcome: ToolCallResult['outcome'];
  /** Records and bytes read per data label, e.g. { pii: 12 }. */
  readonly recordsRead?: Readonly<Record<string, number>>;
  readonly bytesRead?: Readonly<Record<string, number>>;
  /** Untrusted sources whose content entered the agent's context with this output (e.g. "email:inbox"). */
  readonly untrustedSources?: readonly string[];
  /** The output text (or a summary): the destinations and named values in it are extracted and reported as seen. Not sent. */
  readonly outputText?: string;
  /** Destinations the output showed that outputText does not carry (added to those extracted from it). */
  readonly destinationsSeen?: readonly string[];
  /** Named or quoted values the output showed that outputText does not carry; normalized (normalizeValue) here. */
  readonly valuesSeen?: readonly string[];
  readonly cost?: number;
  readonly durationMs?: number;
}

/** Trusted context a user gave the agent (AgentSession.declareTrusted). */
export interface TrustedDeclaration {
  /** The user's own words (prompt, task description): the destinations and named values in it are extracted; it is not sent. */
  readonly text?: string;
  /** Destinations the user named explicitly (addresses, URLs, IBANs, hosts). */
  readonly destinations?: readonly string[];
  /** Values the user named explicitly (a hotel, an event title, a file id); normalized (normalizeValue) here. */
  readonly values?: readonly string[];
}
