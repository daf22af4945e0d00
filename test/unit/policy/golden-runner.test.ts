// The golden runner must be able to fail: wrong wants, unknown keys and broken files are reported, not passed.
import { describe, expect, it } from 'vitest';
import { runGoldenFile } from '../../../processors/policy/golden.ts';

const BUNDLE = `bundle: g
tools: { t: { verb: read } }
rules:
  - { id: allow-t, tools: t, effect: allow }
`;

function run(tests: string): ReturnType<typeof runGoldenFile> {
  const files: Record<string, string> = { '/g/tests.yaml': tests, '/g/bundle.yaml': BUNDLE };
  return runGoldenFile('/g/tests.yaml', (p) => {
    const text = files[p];
    if (text === undefined) throw new Error(`no file ${p}`);
    return text;
  });
}

describe('golden runner', () => {
  it('passes a case whose wants hold', () => {
    const r = run('bundle: bundle.yaml\ncases:\n  - { note: ok, proposal: { tool: t }, want_effect: allow, want_rule_ids: [allow-t] }\n');
    expect(r.results.map((c) => c.pass)).toEqual([true]);
    expect(r.covered).toEqual(['allow-t']);
  });

  it('fails a case with a wrong effect, wrong rule ids and a missing reason', () => {
    const r = run('bundle: bundle.yaml\ncases:\n  - { note: bad, proposal: { tool: t }, want_effect: deny, want_rule_ids: [x], want_reason: nope }\n');
    expect(r.results[0]?.pass).toBe(false);
    expect(r.results[0]?.failures).toHaveLength(3);
  });

  it('fails a case with unknown keys', () => {
    const r = run('bundle: bundle.yaml\ncases:\n  - { note: typo, proposal: { tool: t }, want_efect: allow }\n');
    expect(r.results[0]?.failures[0]).toMatch(/unknown case keys: want_efect/);
  });

  it('reports a golden file without cases as a problem', () => {
    expect(run('bundle: bundle.yaml\n').problems[0]?.code).toBe('ARB_POLICY_GOLDEN');
  });

  it('fails a compile case whose bundle compiles when an error was wanted', () => {
    const r = run(`cases:\n  - note: x\n    bundle_text: "bundle: y"\n    want_error_code: ARB_POLICY_REGEX\n`);
    expect(r.results[0]?.pass).toBe(false);
  });
});
