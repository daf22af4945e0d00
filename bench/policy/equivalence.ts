// The equivalence gate run before any timing: every engine must give the oracle's decision on every case.
// A benchmark of engines that decide differently would compare different work, so a mismatch stops the run.

import { oracleDecide } from './oracle.ts';
import type { BenchCase, PolicySpec } from './spec.ts';

export interface Mismatch {
  readonly index: number;
  readonly tool: string;
  readonly expected: 'allow' | 'deny';
  readonly got: 'allow' | 'deny';
}

/** Cases where `decisions` (allowed? per case) differ from the oracle; at most `limit` of them. */
export function mismatches(spec: PolicySpec, cases: readonly BenchCase[], decisions: readonly boolean[], limit = 5): Mismatch[] {
  if (decisions.length !== cases.length) throw new Error(`expected ${cases.length} decisions, got ${decisions.length}`);
  const out: Mismatch[] = [];
  for (let i = 0; i < cases.length && out.length < limit; i++) {
    const c = cases[i];
    if (c === undefined) continue;
    const expected = oracleDecide(spec, c);
    const got = decisions[i] === true ? 'allow' : 'deny';
    if (expected !== got) out.push({ index: i, tool: c.tool, expected, got });
  }
  return out;
}

/** Throws with the first differing cases, naming the engine and the policy size. */
export function assertEquivalent(engine: string, spec: PolicySpec, cases: readonly BenchCase[], decisions: readonly boolean[]): void {
  const bad = mismatches(spec, cases, decisions);
  if (bad.length === 0) return;
  const detail = bad.map((m) => `case ${m.index} (${m.tool}): expected ${m.expected}, got ${m.got}`).join('; ');
  throw new Error(`${engine} disagrees with the reference decisions on the ${spec.ruleCount}-rule policy: ${detail}`);
}
