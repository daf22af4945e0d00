// The engine-neutral description of a benchmark policy. One PolicySpec is emitted into Arbiter YAML, Cedar and Rego
// so that every engine decides the same policy; the oracle (oracle.ts) states what the decision must be.
//
// Semantics shared by all emitters (default deny):
//   a proposal is allowed  ⇔  at least one allow rule fires  ∧  no deny rule fires.
// A rule fires when its tool scope matches (a tool name, or '*' for every tool) and all its conditions hold.
// Every argument a tool's rules read is present in every generated proposal for that tool, so no engine has to
// decide what a missing argument means (Cedar errors, Rego is undefined, Arbiter may differ).

/** One primitive test over the proposal's arguments or the session facts. */
export type Check =
  /** args[arg] is one of values (an enum of modes, or a destination allow-list). */
  | { readonly kind: 'oneOf'; readonly arg: string; readonly values: readonly string[]; readonly list: 'enum' | 'destinations' }
  /** args[arg] > limit (integers only: Cedar has 64-bit longs, no floats). */
  | { readonly kind: 'above'; readonly arg: string; readonly limit: number }
  /** args[arg] matches an anchored literal pattern: prefix ^text, suffix text$ (expressible as a Cedar `like`). */
  | { readonly kind: 'pattern'; readonly arg: string; readonly shape: 'prefix' | 'suffix'; readonly text: string }
  /** The session read untrusted content. */
  | { readonly kind: 'tainted' }
  /** Session calls per minute > limit. */
  | { readonly kind: 'rateAbove'; readonly limit: number }
  /** Records read in the session with this data label > limit. */
  | { readonly kind: 'recordsAbove'; readonly label: string; readonly limit: number };

export interface Condition {
  readonly check: Check;
  /** The condition holds when the check is false. */
  readonly negated: boolean;
}

export interface RuleSpec {
  /** Stable, unique, a valid identifier in every language ([a-z0-9_]). */
  readonly id: string;
  /** A tool name, or '*' for every tool. */
  readonly tool: string;
  readonly effect: 'allow' | 'deny';
  readonly description: string;
  /** All must hold; empty means the rule fires for every call of its tool. */
  readonly when: readonly Condition[];
}

/** The arguments a tool's rules read, with how to generate good and bad values for them. */
export interface ToolSpec {
  readonly name: string;
  readonly args: readonly string[];
}

export interface PolicySpec {
  readonly ruleCount: number;
  readonly tools: readonly ToolSpec[];
  readonly rules: readonly RuleSpec[];
}

/** The session facts the benchmark policies read: the subset of SessionFacts every engine can be given. */
export interface CaseFacts {
  readonly tainted: boolean;
  readonly ratePerMinute: number;
  readonly readRecords: Readonly<Record<string, number>>;
}

/** One proposal to decide: a tool call with its arguments and the session facts at that moment. */
export interface BenchCase {
  readonly tool: string;
  readonly args: Readonly<Record<string, string | number>>;
  readonly facts: CaseFacts;
}

export type Verdict = 'allow' | 'deny';
