// evaluateAgentDojo(dataDir, policyDir): replays every labelled trajectory through the policy engine with real
// session state (processors/trajectory replay) and scores it per suite and per set. Pure apart from reading files.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArbiterError } from '../../core/errors.ts';
import { compileBundle, type PolicyBundle } from '../../policy/index.ts';
import { replay } from '../../trajectory/replay.ts';
import { loadIntentDeclarer, type IntentDeclarer } from './intent.ts';
import { loadAttacks, loadBenign, loadRealRuns, type Trajectory } from './dataset.ts';
import { add, emptyScore, scoreAttack, scoreBenign, type SuiteScore } from './score.ts';
import { stepsOf, type OutputModel } from './steps.ts';

export const SUITES = ['workspace', 'travel', 'banking', 'slack'] as const;

/** One set of trajectories scored together (e.g. the v1.2.1 ground truths, or one real-run pipeline). */
export interface SetReport {
  /** Stable short key: "ground-truth", "real:<model>:<defence>" (used by the expectations file). */
  readonly key: string;
  readonly name: string;
  readonly suites: ReadonlyMap<string, SuiteScore>;
  readonly total: SuiteScore;
}

export interface EvalReport {
  readonly bundles: ReadonlyMap<string, string>;
  readonly sets: readonly SetReport[];
}

export function loadSuiteBundles(policyDir: string): Map<string, PolicyBundle> {
  const base = { path: join(policyDir, 'base.yaml'), text: readFileSync(join(policyDir, 'base.yaml'), 'utf8') };
  const out = new Map<string, PolicyBundle>();
  for (const suite of SUITES) {
    const path = join(policyDir, `${suite}.yaml`);
    const { bundle, problems } = compileBundle([base, { path, text: readFileSync(path, 'utf8') }], {});
    if (bundle === undefined) {
      const first = problems.find((p) => p.severity === 'error');
      throw new ArbiterError('ARB_EVAL_POLICY_INVALID', `${suite}: ${first?.code ?? '?'} ${first?.message ?? ''}`, { file: path });
    }
    out.set(suite, bundle);
  }
  return out;
}

function runSet(key: string, name: string, trajectories: readonly Trajectory[], bundles: ReadonlyMap<string, PolicyBundle>, declare: IntentDeclarer, model: OutputModel): SetReport {
  const suites = new Map<string, SuiteScore>(SUITES.map((s) => [s, emptyScore()]));
  const total = emptyScore();
  for (const t of trajectories) {
    const bundle = bundles.get(t.suite);
    if (bundle === undefined) throw new ArbiterError('ARB_EVAL_DATASET_INVALID', `unknown suite "${t.suite}"`, { key: t.id });
    const { steps, trustedDestinations, trustedValues } = stepsOf(t, declare(t.prompt), (tool) => bundle.tools.get(tool), model);
    // Score every recorded call as if the agent went on after a block, so later calls are still judged.
    const out = replay(bundle, steps, { trustedDestinations, trustedValues, applyBlockedResults: true });
    const decisions = out.steps.map((s) => s.decision);
    const outcome = t.injectionTaskId === null ? scoreBenign(t, decisions) : scoreAttack(t, decisions);
    add(suites.get(t.suite) as SuiteScore, t, outcome);
    add(total, t, outcome);
  }
  return { key, name, suites, total };
}

export interface EvalOptions {
  /** Also score every set under the pessimistic output model (steps.ts); its set keys start with "pessimistic:". */
  readonly pessimistic?: boolean;
}

/** The trajectory sets both modes score: ground truth, then one per real-run pipeline. */
export function trajectorySets(dataDir: string): [key: string, name: string, trajectories: Trajectory[]][] {
  const groups: [string, string, Trajectory[]][] = [['ground-truth', 'ground truth v1.2.1 (benign.jsonl + attacks.jsonl)', [...loadBenign(dataDir), ...loadAttacks(dataDir)]]];
  const pipelines = new Map<string, Trajectory[]>();
  for (const t of loadRealRuns(dataDir)) {
    // Attacked runs score the calls the agent really made; clean runs count only where the task succeeded.
    if (t.injectionTaskId === null && t.userTaskSucceeded !== true) continue;
    if (t.injectionTaskId !== null && !t.calls.some((c) => c.label === 'attack' && c.effectful)) continue;
    const key = t.id.split('/').slice(1, 3).join(':');
    pipelines.set(key, [...(pipelines.get(key) ?? []), t]);
  }
  for (const [key, ts] of pipelines) groups.push([`real:${key}`, `real runs: ${key.replace(':', ' ')}`, ts]);
  return groups;
}

export function evaluateAgentDojo(dataDir: string, policyDir: string, options: EvalOptions = {}): EvalReport {
  const bundles = loadSuiteBundles(policyDir);
  const declare = loadIntentDeclarer(join(policyDir, 'intents.yaml'));
  const groups = trajectorySets(dataDir);
  const sets = groups.map(([key, name, ts]) => runSet(key, name, ts, bundles, declare, 'injected'));
  if (options.pessimistic === true) {
    for (const [key, name, ts] of groups) sets.push(runSet(`pessimistic:${key}`, `${name}, pessimistic output model`, ts, bundles, declare, 'pessimistic'));
  }
  return { bundles: new Map([...bundles].map(([s, b]) => [s, b.revision])), sets };
}
