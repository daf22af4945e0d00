// Arbiter: the generated YAML is compiled once into a PolicyBundle; each decision is one evaluate() call on a
// proposal and session facts built before timing (in production both come from the decoder and the state store).

import { compileBundle, evaluate } from '../../processors/policy/index.ts';
import { arbiterFacts, arbiterProposal, BENCH_NOW_MS, toArbiterYaml } from './emit-arbiter.ts';
import type { PreparedEngine } from './engine.ts';
import type { BenchCase, PolicySpec } from './spec.ts';

export function prepareArbiter(spec: PolicySpec, cases: readonly BenchCase[]): PreparedEngine {
  const { bundle, problems } = compileBundle([{ path: `bench-${spec.ruleCount}.yaml`, text: toArbiterYaml(spec) }]);
  const errors = problems.filter((p) => p.severity === 'error');
  if (bundle === undefined || errors.length > 0) {
    throw new Error(`Arbiter rejected the generated ${spec.ruleCount}-rule policy: ${errors.map((p) => `${p.code} ${p.message}`).join('; ')}`);
  }
  const proposals = cases.map(arbiterProposal);
  const facts = cases.map(arbiterFacts);
  const decide = (i: number): boolean => {
    const proposal = proposals[i];
    const sessionFacts = facts[i];
    if (proposal === undefined || sessionFacts === undefined) throw new Error(`no Arbiter proposal for case ${i}`);
    return evaluate(bundle, proposal, sessionFacts, BENCH_NOW_MS).effect === 'allow';
  };
  return { engine: 'arbiter', version: `bundle ${bundle.revision.slice(0, 12)}`, decide };
}
