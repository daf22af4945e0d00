// The path namespace conditions read from. One syntax everywhere: dotted names, and {key=value} selectors for
// families of facts (session.read.records{label=pii}, time.within{window=code_freeze}).
//   args.<name>[.<name>...]           proposal arguments
//   subject.tenant|user|agent|role|environment|session
//   tool.name|verb|side_effect|labels|untrusted_output|cost
//   intent                            the declared intent ("" when none);  intent.on_task  (tool allowed for it)
//   session.<fact>                    trajectory facts (see SESSION_PATHS)
//   time.within{window=<name>}        now inside a named window;  time.hour_utc, time.weekday_utc
//   destination[.host|.domain|.kind|.first_seen_in]   each destination argument the tool declares (existential)
//   content.destination[.first_seen_in]  destinations written inside the other string arguments (existential)
//   value[.first_seen_in]             the strings in the arguments the tool declares under `values` (existential)
// Paths are resolved once at compile time into getters; evaluate() never parses them.

import { compileIntents } from './intents.ts';
import type { ArgValue, SessionFacts } from '../core/types.ts';
import type { DestinationKind, EvalContext } from './model.ts';
import { hostOf } from './matchers.ts';
import { contentDestinations } from './content-destinations.ts';
import { trackedValueOrigins, trackedValues } from './tracked-values.ts';

export type ValueType = 'string' | 'number' | 'boolean' | 'strings' | 'any';

export interface ScalarPath {
  readonly kind: 'value';
  readonly text: string;
  readonly type: ValueType;
  /** The session fact this path reads, for Decision.factsUsed ("" when not a fact). */
  readonly fact: string;
  readonly get: (ctx: EvalContext) => ArgValue | undefined;
}

export interface DestinationPath {
  readonly kind: 'destination';
  readonly text: string;
  readonly type: ValueType;
  readonly fact: string;
  /** Projects one destination (value, kind) to the value the operator tests. */
  readonly project: (value: string, kind: DestinationKind, ctx: EvalContext) => string;
  /** Word used in reasons: "args.to domain evil.example". */
  readonly attribute: string;
  /** Whether a destination of this kind has the attribute at all (an IBAN or a path has no host or domain). */
  readonly applies: (kind: DestinationKind) => boolean;
}

export type ResolvedPath = ScalarPath | DestinationPath;

export interface PathEnv {
  readonly intents: ReadonlyMap<string, readonly string[]>;
  readonly windows: ReadonlyMap<string, readonly { readonly from: number; readonly to: number }[]>;
}

const f = (fact: string, type: ValueType, get: (s: SessionFacts) => ArgValue): ScalarPath => ({
  kind: 'value', text: fact, type, fact, get: (ctx) => get(ctx.facts),
});

export const SESSION_PATHS: Readonly<Record<string, ScalarPath>> = {
  'session.tainted': f('session.tainted', 'boolean', (s) => s.tainted),
  'session.taint_sources': f('session.taint_sources', 'strings', (s) => s.taintSources),
  'session.step_count': f('session.step_count', 'number', (s) => s.stepCount),
  'session.denied_calls': f('session.denied_calls', 'number', (s) => s.deniedCalls),
  'session.denied_retries': f('session.denied_retries', 'number', (s) => s.deniedRetries),
  'session.retry_after_deny': f('session.retry_after_deny', 'boolean', (s) => s.isRetryAfterDeny),
  'session.retry_similarity': f('session.retry_similarity', 'number', (s) => s.retrySimilarity),
  'session.identical_calls': f('session.identical_calls', 'number', (s) => s.identicalCallsInWindow),
  'session.similar_calls': f('session.similar_calls', 'number', (s) => s.similarCallsInWindow),
  'session.rate.session': f('session.rate.session', 'number', (s) => s.ratePerMinute.session),
  'session.rate.agent': f('session.rate.agent', 'number', (s) => s.ratePerMinute.agent),
  'session.rate.tenant': f('session.rate.tenant', 'number', (s) => s.ratePerMinute.tenant),
  'session.spent.day': f('session.spent.day', 'number', (s) => s.spent.day),
  'session.spent.month': f('session.spent.month', 'number', (s) => s.spent.month),
  'session.privilege_escalation': f('session.privilege_escalation', 'boolean', (s) => s.privilegeEscalation),
  'session.quarantined': f('session.quarantined', 'boolean', (s) => s.quarantined),
};

const v = (text: string, type: ValueType, get: (ctx: EvalContext) => ArgValue | undefined): ScalarPath => ({ kind: 'value', text, type, fact: '', get });

const FIXED_PATHS: Readonly<Record<string, ScalarPath>> = {
  'subject.tenant': v('subject.tenant', 'string', (c) => c.proposal.tenantId),
  'subject.user': v('subject.user', 'string', (c) => c.proposal.userId),
  'subject.agent': v('subject.agent', 'string', (c) => c.proposal.agentId),
  'subject.role': v('subject.role', 'string', (c) => c.proposal.agentRole),
  'subject.environment': v('subject.environment', 'string', (c) => c.proposal.environment),
  'subject.session': v('subject.session', 'string', (c) => c.proposal.sessionId),
  'tool.name': v('tool.name', 'string', (c) => c.proposal.tool),
  'tool.verb': v('tool.verb', 'string', (c) => c.tool?.verb),
  'tool.side_effect': v('tool.side_effect', 'string', (c) => c.tool?.sideEffect),
  'tool.labels': v('tool.labels', 'strings', (c) => c.tool?.labels),
  'tool.untrusted_output': v('tool.untrusted_output', 'boolean', (c) => c.tool?.untrustedOutput),
  'tool.cost': v('tool.cost', 'number', (c) => c.tool?.cost),
  intent: v('intent', 'string', (c) => c.proposal.intent),
  'content.destination': v('content.destination', 'strings', (c) => contentDestinations(c)),
  'content.destination.first_seen_in': {
    kind: 'value', text: 'content.destination.first_seen_in', type: 'strings', fact: 'session.destination_origin',
    get: (c) => contentDestinations(c).map((d) => c.facts.destinationOrigin(d)),
  },
  value: v('value', 'strings', (c) => trackedValues(c)),
  'value.first_seen_in': {
    kind: 'value', text: 'value.first_seen_in', type: 'strings', fact: 'session.value_origin', get: (c) => trackedValueOrigins(c),
  },
  'time.hour_utc': v('time.hour_utc', 'number', (c) => Math.floor(c.nowMs / 3_600_000) % 24),
  'time.weekday_utc': v('time.weekday_utc', 'number', (c) => (Math.floor(c.nowMs / 86_400_000) + 4) % 7),
};

const always = (): boolean => true;
const hasHost = (k: DestinationKind): boolean => k === 'email' || k === 'url' || k === 'host';

const DESTINATION_PATHS: Readonly<Record<string, DestinationPath>> = {
  destination: { kind: 'destination', text: 'destination', type: 'string', fact: '', attribute: '', applies: always, project: (d) => d },
  'destination.host': { kind: 'destination', text: 'destination.host', type: 'string', fact: '', attribute: 'host', applies: hasHost, project: (d, k) => destHost(d, k) },
  'destination.domain': { kind: 'destination', text: 'destination.domain', type: 'string', fact: '', attribute: 'domain', applies: hasHost, project: (d, k) => destHost(d, k) },
  'destination.kind': { kind: 'destination', text: 'destination.kind', type: 'string', fact: '', attribute: 'kind', applies: always, project: (_d, k) => k },
  'destination.first_seen_in': {
    kind: 'destination', text: 'destination.first_seen_in', type: 'string', fact: 'session.destination_origin', attribute: 'first seen in',
    applies: always, project: (d, _k, ctx) => ctx.facts.destinationOrigin(d),
  },
};

function destHost(d: string, k: DestinationKind): string {
  return hasHost(k) ? hostOf(d) : '';
}

const SELECTOR = /^([a-z_.]+)\{([a-z_]+)=([A-Za-z0-9_.:-]+)\}$/;

/** Resolves a path text, or returns an error message naming what is known. */
export function resolvePath(text: string, env: PathEnv): ResolvedPath | string {
  const fixed = FIXED_PATHS[text] ?? SESSION_PATHS[text] ?? DESTINATION_PATHS[text];
  if (fixed !== undefined) return fixed;
  if (text.startsWith('args.')) {
    const segs = text.slice(5).split('.');
    if (segs.some((s) => s === '')) return `argument path "${text}" has an empty segment`;
    return v(text, 'any', (c) => argAt(c.proposal.args, segs));
  }
  if (text === 'intent.on_task') {
    return v(text, 'boolean', onTaskGetter(env));
  }
  const sel = SELECTOR.exec(text);
  if (sel !== null) {
    const [, base, key, val = ''] = sel;
    if ((base === 'session.read.records' || base === 'session.read.bytes') && key === 'label') {
      const bytes = base === 'session.read.bytes';
      return { kind: 'value', text, type: 'number', fact: text, get: (c) => (bytes ? c.facts.readBytes : c.facts.readRecords)[val] ?? 0 };
    }
    if (base === 'time.within' && key === 'window') {
      const windows = env.windows.get(val);
      if (windows === undefined) return `time window "${val}" is not defined under windows:`;
      return v(text, 'boolean', (c) => windows.some((w) => c.nowMs >= w.from && c.nowMs < w.to));
    }
    return `unknown selector path "${text}" (known: session.read.records{label=…}, session.read.bytes{label=…}, time.within{window=…})`;
  }
  return `unknown path "${text}"; paths start with args., subject., tool., intent, session., time., destination, content.destination, value`;
}

/** Intent checks compiled once per bundle; empty intent: nothing declared, so on task. */
function onTaskGetter(env: PathEnv): (c: EvalContext) => boolean {
  const check = compileIntents(env.intents);
  return (c) => {
    if (c.onTask !== undefined) return c.onTask;
    c.onTask = check(c.proposal.intent, c.proposal.tool) ?? true;
    return c.onTask;
  };
}

function argAt(args: { readonly [k: string]: ArgValue }, segs: readonly string[]): ArgValue | undefined {
  let cur: ArgValue | undefined = args;
  for (const s of segs) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as { readonly [k: string]: ArgValue })[s];
    if (cur === undefined) return undefined;
  }
  return cur;
}

export function argPathSegments(path: string): readonly string[] {
  return path.startsWith('args.') ? path.slice(5).split('.') : path.split('.');
}
