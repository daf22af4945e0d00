// The public shapes of the policy engine: sources in, a compiled immutable PolicyBundle out.
// Everything evaluate() needs is resolved here at compile time; nothing in a PolicyBundle is parsed again.

import type { IntentCheck } from './intents.ts';
import type { Problem } from '../core/errors.ts';
import type { Args, Effect, RuleMode, SessionFacts, ToolCallProposal, Verb } from '../core/types.ts';

/** One policy file. `path` is only used for locations in problems and for the canonical hash order. */
export interface PolicySource {
  readonly path: string;
  readonly text: string;
}

export interface CompileOptions {
  /** Largest accepted source, bytes of UTF-16 text. Default 1 MiB. */
  readonly maxSourceBytes?: number;
  /** Deepest accepted nesting of maps/lists. Default 64. */
  readonly maxDepth?: number;
}

export const DEFAULT_COMPILE_OPTIONS: Required<CompileOptions> = Object.freeze({
  maxSourceBytes: 1024 * 1024,
  maxDepth: 64,
});

export type SideEffect = 'none' | 'internal' | 'external' | 'irreversible';
export type DestinationKind = 'email' | 'url' | 'iban' | 'path' | 'host';
export type ArgType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';

export interface ArgDecl {
  readonly type: ArgType;
  readonly required: boolean;
}

/** Tool metadata, declared once per tool. The trajectory module reads it through bundle.tools.get(name). */
export interface ToolMeta {
  readonly name: string;
  readonly verb: Verb;
  readonly sideEffect: SideEffect;
  /** argument name -> what kind of destination it carries. */
  readonly destinations: Readonly<Record<string, DestinationKind>>;
  /** The same as a list, in declaration order: what evaluate() iterates. */
  readonly destinationArgs: readonly { readonly arg: string; readonly kind: DestinationKind }[];
  /** Names of the arguments that carry amounts (money, counts). */
  readonly amounts: readonly string[];
  /**
   * Names of the arguments whose value picks what the action acts on or sets (a hotel, an event title, a file id, a
   * new password): the policy can ask where that value first entered the session (value.first_seen_in).
   */
  readonly values?: readonly string[];
  /** Data labels the tool's output carries (e.g. pii, financial). */
  readonly labels: readonly string[];
  /** The tool's output is untrusted content (web pages, inbound e-mail) and taints the session. */
  readonly untrustedOutput: boolean;
  /** Cost per call in the budget currency. */
  readonly cost: number;
  /** Declared argument types; arguments not listed are unchecked. */
  readonly args: Readonly<Record<string, ArgDecl>>;
}

/** Evaluation context handed to compiled conditions: the proposal, its facts, the time, and the tool metadata. */
export interface EvalContext {
  readonly proposal: ToolCallProposal;
  readonly facts: SessionFacts;
  readonly nowMs: number;
  readonly tool: ToolMeta | undefined;
  /** Set when an operator met a value of the wrong type: the decision becomes deny with ARB_POLICY_ARG_TYPE. */
  typeError: string | undefined;
  /** Memo of intent.on_task for this evaluation (many wildcard rules read it). */
  onTask?: boolean | undefined;
  /** Memo of the destinations written inside the call's content arguments (content-destinations.ts). */
  contentDestinations?: readonly string[] | undefined;
}

/**
 * A compiled condition: test() is the hot path. explain() only runs for rules that fired, to build the reason
 * ("recipient domain evil.example not in allowed_domains"). facts lists the session facts it reads.
 */
export interface CompiledCondition {
  readonly test: (ctx: EvalContext) => boolean;
  readonly explain: (ctx: EvalContext) => string;
  readonly facts: readonly string[];
  /** Canonical text of the condition, for lints (shadowed/conflicting) and `policy explain`. */
  readonly text: string;
}

export interface CompiledModification {
  readonly kind: 'redact' | 'mask' | 'cap' | 'truncate';
  /** Argument path, dot separated, without the args. prefix. */
  readonly path: string;
  /** The same path split once at compile time. */
  readonly segs: readonly string[];
  readonly detail: string;
  /** Returns the new value, or the same reference when nothing changed. */
  readonly apply: (value: Args[string]) => Args[string];
}

export interface Scope {
  readonly roles: readonly string[];
  readonly tenants: readonly string[];
  readonly users: readonly string[];
  readonly environments: readonly string[];
}

export interface CompiledRule {
  readonly id: string;
  readonly mode: RuleMode;
  readonly effect: Effect;
  /** Order in the layered bundle; evaluation and reasons follow it. */
  readonly order: number;
  readonly toolPatterns: readonly string[];
  /** How the tool selection reads in reasons: a list name or the patterns. */
  readonly toolsText: string;
  readonly matchesTool: (tool: string) => boolean;
  readonly scopeText: string;
  readonly matchesScope: (p: ToolCallProposal) => boolean;
  /** False when the rule has no scope: evaluate() then skips the scope call. */
  readonly scoped: boolean;
  readonly when: CompiledCondition | undefined;
  readonly modifications: readonly CompiledModification[];
  readonly approval: { readonly approvers: readonly string[]; readonly timeoutMs: number; readonly onTimeout: 'allow' | 'deny' } | undefined;
  /** Optional author message; replaces the generated condition text in the reason. */
  readonly message: string | undefined;
  /** A firing enforce rule with alert: true is listed in Decision.alerts (the aggregator raises an alert). */
  readonly alert: boolean;
  /** Session facts the rule's condition reads. */
  readonly facts: readonly string[];
  readonly location: string;
}

/** The rules that apply to one tool name, in bundle order, wildcard rules pre-merged. */
export interface ToolRules {
  readonly tool: string;
  readonly meta: ToolMeta | undefined;
  readonly rules: readonly CompiledRule[];
  /** Declared argument checks, as a list so evaluate() iterates without allocating. */
  readonly argChecks: readonly { readonly name: string; readonly type: ArgType; readonly required: boolean }[];
}

export interface PolicyBundle {
  readonly name: string;
  /** sha256 (hex) of the canonical form of the layered bundle. */
  readonly revision: string;
  readonly defaultEffect: 'allow' | 'deny';
  readonly tools: ReadonlyMap<string, ToolMeta>;
  /** Intent name -> the tool patterns the task may use. */
  readonly intents: ReadonlyMap<string, readonly string[]>;
  /** Is `tool` on task for a declared intent ("a+b" joins intents)? undefined when no intent is declared. */
  readonly onTask: IntentCheck;
  readonly lists: ReadonlyMap<string, readonly string[]>;
  readonly rules: readonly CompiledRule[];
  /** Tool name -> its rules. Undeclared tools fall back to `wildcardRules`. */
  readonly index: ReadonlyMap<string, ToolRules>;
  /** Rules whose tool patterns contain wildcards, for tools the index does not know. */
  readonly wildcardRules: readonly CompiledRule[];
  /** The layered, canonical model the revision was computed from (JSON text). */
  readonly canonical: string;
}

export interface CompileResult {
  readonly bundle?: PolicyBundle;
  /** Errors and warnings, in source order. A bundle is returned only when there are no errors. */
  readonly problems: readonly Problem[];
}

export type { Problem };
