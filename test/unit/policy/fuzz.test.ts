// Property-based fuzzing (fast-check) of the loader and of evaluate(). The run counts and input kinds are
// reported in docs/policy-language.md ("Fuzzing"). Properties: never throws, never hangs, every problem has a
// catalogued code and a location, decisions are well-formed and deterministic, and the precedence holds.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { stringify } from 'yaml';
import { ERROR_CATALOGUE } from '../../../processors/core/errors.ts';
import type { ArgValue, SessionFacts } from '../../../processors/core/types.ts';
import { compileBundle, evaluate, type PolicyBundle } from '../../../processors/policy/index.ts';
import { facts, proposal } from './helpers.ts';

const EXAMPLES = new URL('../../../examples/', import.meta.url);
const exampleTexts = readdirSync(EXAMPLES)
  .filter((d) => d !== 'agentdojo')
  .flatMap((d) => {
    try {
      return [readFileSync(new URL(`${d}/bundle.yaml`, EXAMPLES), 'utf8')];
    } catch {
      return [];
    }
  });

let compiledCount = 0;

function checkCompile(text: string): void {
  const r = compileBundle([{ path: 'fuzz.yaml', text }]);
  for (const p of r.problems) {
    expect(Object.hasOwn(ERROR_CATALOGUE, p.code)).toBe(true);
    expect(p.location?.file).toBe('fuzz.yaml');
    expect(p.message.length).toBeGreaterThan(0);
  }
  if (r.bundle !== undefined) {
    expect(Object.isFrozen(r.bundle)).toBe(true);
    expect(r.problems.every((p) => p.severity === 'warning')).toBe(true);
    // A bundle that compiles must also evaluate: a declared tool with odd arguments, and an undeclared tool.
    for (const p of [proposal('t', { a: 'x@evil.example', to: ['a@b.example', 7], b: { c: '123-45-6789' } }), proposal('u.v'), proposal('zz')]) {
      const d = evaluate(r.bundle, p, facts({ tainted: true }), 1_800_000_000_000);
      expect(d.bundleRevision).toBe(r.bundle.revision);
    }
    compiledCount++;
  } else {
    expect(r.problems.some((p) => p.severity === 'error')).toBe(true);
  }
}

// Grammar-based generator: structurally plausible bundles with random paths, operators and values.
const PATHS = ['args.a', 'args.b.c', 'session.tainted', 'session.rate.session', 'session.read.records{label=pii}', 'destination.domain',
  'destination.first_seen_in', 'content.destination', 'content.destination.first_seen_in', 'subject.tenant', 'tool.verb', 'intent.on_task', 'time.within{window=w}', 'session.nope', 'bogus'];
const OPS = ['eq', 'ne', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'matches', 'not_matches', 'length_gt', 'present', 'domain_in',
  'host_not_in', 'path_under', 'cidr_in', 'contains', 'has_instructions', 'weird'];
const scalar = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.boolean(), fc.constantFrom('a', 'x@y.example', '10.0.0.0/8', '(a+)+$', '(a)\\1', '[', '/tmp'));
const operand = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.constant({ list: 'l' }), fc.constant({ path: 'subject.user' }), fc.constant(['ssn', 'api_key']));
const leaf = fc.dictionary(fc.constantFrom(...PATHS), fc.oneof(scalar, fc.dictionary(fc.constantFrom(...OPS), operand, { minKeys: 1, maxKeys: 2 })), { minKeys: 1, maxKeys: 2 });
const condition = fc.letrec((tie) => ({
  cond: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.record({ all: fc.array(tie('cond'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('cond'), { minLength: 1, maxLength: 3 }) }), fc.record({ not: tie('cond') }), fc.constant({ macro: 'm' })),
})).cond;
const rule = fc.record({
  id: fc.stringMatching(/^[a-z][a-z0-9.-]{0,8}$/),
  tools: fc.oneof(fc.constantFrom('t', '*', 'u.*'), fc.constant(['t', 'u.v'])),
  when: fc.option(condition, { nil: undefined }),
  effect: fc.constantFrom('allow', 'deny', 'modify', 'escalate'),
  mode: fc.constantFrom('enforce', 'warn', 'observe'),
}).map((r) => ({
  ...r,
  ...(r.when === undefined ? {} : {}),
  ...(r.effect === 'modify' ? { modify: [{ redact: 'args.a', detectors: ['ssn'] }] } : {}),
  ...(r.effect === 'escalate' ? { escalate: { approvers: ['x'], timeout: '10s', on_timeout: 'deny' } } : {}),
}));
const bundleDoc = fc.record({
  bundle: fc.constant('fz'),
  default: fc.constantFrom('allow', 'deny'),
  lists: fc.constant({ l: ['a', 'b.example'] }),
  macros: fc.record({ m: leaf }),
  windows: fc.constant({ w: [{ from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' }] }),
  tools: fc.constant({ t: { verb: 'communicate', destinations: { to: 'email' }, args: { a: 'string' } }, 'u.v': { verb: 'read' } }),
  rules: fc.array(rule, { maxLength: 8 }),
});

function mutate(text: string, edits: readonly { at: number; del: number; ins: string }[]): string {
  let t = text;
  for (const e of edits) {
    const at = e.at % (t.length + 1);
    t = t.slice(0, at) + e.ins + t.slice(at + e.del);
  }
  return t;
}

// Generous: the machine is shared and noisy; the properties, not the speed, are under test here.
const FUZZ_TIMEOUT_MS = 120_000;
const FUZZ_RUNS = { arbitraryText: 1000, jsonAsYaml: 500, mutatedExamples: 1000, grammarBundles: 1000, evaluate: 3000 } as const;

describe('fuzz: the loader never throws and reports located, catalogued problems', () => {
  it('arbitrary unicode text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (s) => checkCompile(s)), { numRuns: FUZZ_RUNS.arbitraryText });
  }, FUZZ_TIMEOUT_MS);
  it('arbitrary JSON values rendered as YAML', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => checkCompile(stringify(v))), { numRuns: FUZZ_RUNS.jsonAsYaml });
  }, FUZZ_TIMEOUT_MS);
  it('example bundles with random byte edits', () => {
    const edit = fc.record({ at: fc.nat(), del: fc.nat({ max: 6 }), ins: fc.oneof(fc.constantFrom('', ':', '- ', '{', ']', '"', '\n  ', '*', '&a', '!!str', '\t'), fc.string({ maxLength: 5 })) });
    fc.assert(
      fc.property(fc.constantFrom(...exampleTexts), fc.array(edit, { minLength: 1, maxLength: 4 }), (text, edits) => checkCompile(mutate(text, edits))),
      { numRuns: FUZZ_RUNS.mutatedExamples },
    );
  }, FUZZ_TIMEOUT_MS);
  it('grammar-generated bundles (random paths, operators, values, nesting)', () => {
    const before = compiledCount;
    fc.assert(fc.property(bundleDoc, (doc) => checkCompile(stringify(doc))), { numRuns: FUZZ_RUNS.grammarBundles });
    // The generator must reach the evaluator too, not only the error paths.
    expect(compiledCount - before).toBeGreaterThan(FUZZ_RUNS.grammarBundles / 20);
  }, FUZZ_TIMEOUT_MS);
});

const argValue: fc.Arbitrary<ArgValue> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.double({ noNaN: false }), fc.integer(), fc.string({ maxLength: 30 }),
    fc.constantFrom('a@example.com', 'x@evil.example', 'https://10.0.0.1/x', '/workspace/../etc', 'DROP TABLE x', '4111 1111 1111 1111', '123-45-6789'),
    fc.array(tie('v') as fc.Arbitrary<ArgValue>, { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('v') as fc.Arbitrary<ArgValue>, { maxKeys: 4 })),
})).v as fc.Arbitrary<ArgValue>;

const factsArb: fc.Arbitrary<SessionFacts> = fc.record({
  tainted: fc.boolean(), quarantined: fc.boolean(), privilegeEscalation: fc.boolean(), isRetryAfterDeny: fc.boolean(),
  deniedRetries: fc.nat(10), identicalCallsInWindow: fc.nat(10), stepCount: fc.nat(100),
  readRecords: fc.dictionary(fc.constantFrom('pii', 'financial'), fc.nat(1000)),
  ratePerMinute: fc.record({ session: fc.nat(100), agent: fc.nat(100), tenant: fc.nat(100) }),
  spent: fc.record({ day: fc.double({ min: 0, max: 10, noNaN: true }), month: fc.double({ min: 0, max: 100, noNaN: true }) }),
  untrusted: fc.boolean(),
}).map(({ untrusted, ...f }) => facts({ ...f, destinationOrigin: () => (untrusted ? 'untrusted' : 'trusted') }));

describe('fuzz: evaluate() over the example bundles', () => {
  const bundles: PolicyBundle[] = exampleTexts.map((t) => compileBundle([{ path: 'x', text: t }]).bundle!).filter((b) => b !== undefined);

  it('returns a well-formed, deterministic decision that respects deny precedence', () => {
    const toolOf = (b: PolicyBundle) => fc.oneof(fc.constantFrom(...b.index.keys()), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(
        fc.nat(bundles.length - 1).chain((i) => fc.tuple(fc.constant(bundles[i]!), toolOf(bundles[i]!))),
        fc.dictionary(fc.constantFrom('amount', 'to', 'body', 'status', 'sql', 'tenant_id', 'url', 'query', 'ticket_id', 'x'), argValue, { maxKeys: 5 }),
        factsArb,
        fc.constantFrom('', 'flight_booking', 'other'),
        fc.integer({ min: 0, max: 2 ** 42 }),
        ([bundle, tool], args, f, intent, now) => {
          const p = proposal(tool, args, { intent, environment: now % 2 === 0 ? 'production' : 'dev' });
          const d = evaluate(bundle, p, f, now);
          expect(['allow', 'deny', 'modify', 'escalate']).toContain(d.effect);
          expect(d.bundleRevision).toBe(bundle.revision);
          expect(d.reasons.length).toBeGreaterThan(0);
          for (const r of d.reasons) expect(r.startsWith(`${tool} `)).toBe(true);
          if (d.effect === 'modify') expect(d.modifiedArgs).toBeDefined();
          if (d.effect === 'escalate') expect(d.approval).toBeDefined();
          if (d.errorCode !== undefined) expect(Object.hasOwn(ERROR_CATALOGUE, d.errorCode)).toBe(true);
          if (d.effect !== 'deny') expect(d.ruleIds.every((id) => bundle.rules.find((r) => r.id === id)?.effect !== 'deny')).toBe(true);
          expect(JSON.stringify(evaluate(bundle, p, f, now))).toBe(JSON.stringify(d));
        },
      ),
      { numRuns: FUZZ_RUNS.evaluate },
    );
  }, FUZZ_TIMEOUT_MS);
});
