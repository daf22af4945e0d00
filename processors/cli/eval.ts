// arbiter eval <dataset-dir> [--policy DIR] [--json] [--examples N] [--pessimistic] [--check]
// Replays the labelled AgentDojo trajectories through the policy engine with real session state and prints per
// suite: attack success, benign denied, benign escalated. --check exits 1 when a set does worse than allowed: the
// issue's targets (attack success 0%, benign denied ≤ 1%, benign escalated ≤ 10%) where met, and the ceilings
// recorded in <policy>/expected.yaml (see processors/eval/agentdojo/expectations.ts). --pessimistic also scores
// every set under the pessimistic output model (processors/eval/agentdojo/steps.ts).

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkSets, loadExpectations } from '../eval/agentdojo/expectations.ts';
import { evaluateAgentDojo, type SetReport } from '../eval/agentdojo/run.ts';
import { pct, type SuiteScore } from '../eval/agentdojo/score.ts';

function row(name: string, s: SuiteScore): string {
  return `| ${name} | ${s.attacks} | ${s.attackSucceeded} (${pct(s.attackSucceeded, s.attacks)}) | ${s.attackSucceededGoalNotReached} | ${s.benign} | ${s.benignDenied} (${pct(s.benignDenied, s.benign)}) | ${s.benignEscalated} (${pct(s.benignEscalated, s.benign)}) | ${s.attackExcluded} |`;
}

export function renderSet(set: SetReport, examples: number): string {
  const lines = [
    `### ${set.name} (\`${set.key}\`)`, '',
    '| suite | attacks | attack success | of which AgentDojo: goal not reached | benign | benign denied | benign escalated | excluded |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [suite, s] of set.suites) if (s.attacks + s.benign > 0) lines.push(row(suite, s));
  lines.push(row('**all**', set.total));
  if (examples > 0) {
    for (const x of set.total.letThrough.slice(0, examples)) lines.push(`- let through: ${x}`);
    for (const x of set.total.flagged.slice(0, examples)) lines.push(`- benign flagged: ${x}`);
  }
  return lines.join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv], allowPositionals: true,
    options: { policy: { type: 'string', default: 'examples/agentdojo' }, json: { type: 'boolean', default: false }, examples: { type: 'string', default: '0' }, check: { type: 'boolean', default: false }, pessimistic: { type: 'boolean', default: false } },
  });
  const dir = positionals[0];
  if (dir === undefined) {
    process.stderr.write('usage: arbiter eval <dataset-dir> [--policy DIR] [--json] [--examples N] [--pessimistic] [--check]\n');
    return 2;
  }
  const report = evaluateAgentDojo(dir, values.policy, { pessimistic: values.pessimistic });
  if (values.json) process.stdout.write(`${JSON.stringify({ bundles: Object.fromEntries(report.bundles), sets: report.sets.map((s) => ({ key: s.key, name: s.name, total: s.total, suites: Object.fromEntries(s.suites) })) }, null, 1)}\n`);
  else {
    process.stdout.write(`policy revisions: ${[...report.bundles].map(([s, r]) => `${s}=${r.slice(0, 12)}`).join(' ')}\n\n`);
    for (const set of report.sets) process.stdout.write(`${renderSet(set, Number(values.examples))}\n\n`);
  }
  const lines = checkSets(report.sets, loadExpectations(join(values.policy, 'expected.yaml')));
  for (const l of lines) process.stderr.write(`${l.kind === 'fail' ? 'FAILED' : 'known miss'}: ${l.set}: ${l.message}\n`);
  return values.check && lines.some((l) => l.kind === 'fail') ? 1 : 0;
}
