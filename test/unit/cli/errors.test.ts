// `arbiter errors`: every catalogue code can be looked up, pasted error lines work, unknown codes get close names.
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../../processors/core/errors.ts';
import { ALL_CODES, groupOf, groupedCodes } from '../../../processors/cli/error-reference.ts';
import { closeCodes, main } from '../../../processors/cli/errors.ts';

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(argv, (s) => lines.push(s));
  return { code, out: lines.join('\n') };
}

describe('arbiter errors', () => {
  it('every code is in exactly one group; a code prefix no group names falls in Other', () => {
    expect(groupOf('ARB_NEWTHING_X').title).toBe('Other');
    expect(groupedCodes().flatMap((g) => g.codes).sort()).toEqual([...ALL_CODES].sort());
    expect(groupOf('ARB_CHAIN_GAP').title).toMatch(/hash chain/);
    expect(groupOf('ARB_CH_INSERT_FAILED').title).toBe('ClickHouse sink');
  });

  it('looks a code up in any case, or every code in a pasted error line', async () => {
    const one = await run(['arb_approval_expired']);
    expect(one.code).toBe(0);
    expect(one.out).toBe(`ARB_APPROVAL_EXPIRED (Approvals; HTTP 410)\n  ${ERROR_CATALOGUE.ARB_APPROVAL_EXPIRED.summary}\n  see README, Approvals (README.md#approvals), \`arbiter approvals --help\``);
    const pasted = await run(['ARB_VERDICT_BUNDLE_REJECTED: x.json is not JSON (at x.json); see ARB_POLICY_BAD_SIGNATURE']);
    expect(pasted.out.split('\n').filter((l) => l.startsWith('ARB_'))).toEqual([
      'ARB_VERDICT_BUNDLE_REJECTED (Verdict processor (these also travel on deny verdicts); HTTP 400)',
      'ARB_POLICY_BAD_SIGNATURE (Policy bundles: loading, linting, signing, evaluation, golden tests; HTTP 400)',
    ]);
  });

  it('an unknown code is a usage error that lists the codes sharing its leading words', async () => {
    expect(closeCodes('ARB_APPROVAL_LOST')).toContain('ARB_APPROVAL_EXPIRED');
    expect(closeCodes('ARB_NOTHING')).toEqual([]);
    await expect(run(['ARB_APPROVAL_LOST'])).rejects.toThrow(/^ARB_CLI_USAGE: arbiter errors: ARB_APPROVAL_LOST is not an Arbiter error code \(close: ARB_APPROVAL_UNKNOWN, /);
  });

  it('without arguments lists every code once', async () => {
    const r = await run([]);
    for (const code of ALL_CODES) expect(r.out.match(new RegExp(`^  ${code} `, 'gm'))?.length, code).toBe(1);
  });
});
