// Loading the AgentDojo-derived trajectories (see the dataset's README). The data lives outside the repo; the
// path is an argument. Every line is checked for the fields the evaluator reads, and a bad line is reported with
// file:line and what was wrong — the evaluator never guesses.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArbiterError } from '../../core/errors.ts';
import type { Args } from '../../core/types.ts';

export interface DatasetTool {
  readonly name: string;
  readonly categories: readonly string[];
  readonly parameters: readonly { readonly name: string; readonly type: string; readonly required: boolean }[];
}

/** One recorded call, normalised across the three files. */
export interface DatasetCall {
  readonly fn: string;
  readonly args: Args;
  readonly label: 'benign' | 'attack';
  readonly effectful: boolean;
  readonly outputChars: number;
  /** The output carried attacker text (attacks: the injection source call; real runs: output_has_injection). */
  readonly outputHasInjection: boolean;
  /** Injection placeholders in the output (benign content in clean runs, attacker text in attacked ones). */
  readonly untrustedVectors: readonly string[];
}

export interface Trajectory {
  readonly id: string;
  readonly suite: string;
  readonly userTaskId: string;
  readonly injectionTaskId: string | null;
  readonly prompt: string;
  /** The injected text (the attacker's goal), '' when the trajectory is not attacked. */
  readonly injectedText: string;
  readonly calls: readonly DatasetCall[];
  /** real runs: AgentDojo's own verdicts; synthetic files: undefined. */
  readonly attackSucceeded?: boolean;
  readonly userTaskSucceeded?: boolean;
  /** The attack goal is text only (no tool call can show it): excluded from tool-call scoring. */
  readonly textOnlyGoal: boolean;
}

type Json = Record<string, unknown>;

function fail(file: string, line: number, what: string): never {
  throw new ArbiterError('ARB_EVAL_DATASET_INVALID', what, { file, line });
}

function str(o: Json, k: string, file: string, line: number): string {
  const v = o[k];
  if (typeof v !== 'string') fail(file, line, `field "${k}" must be a string, got ${v === undefined ? 'nothing' : typeof v}`);
  return v;
}

function arr(o: Json, k: string, file: string, line: number): unknown[] {
  const v = o[k];
  if (!Array.isArray(v)) fail(file, line, `field "${k}" must be an array`);
  return v;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ArbiterError('ARB_EVAL_DATASET_MISSING', `cannot read ${path}: ${(e as Error).message}`, { file: path });
  }
}

/** JSON lines of `text`; `file` names the source in errors. Blank lines are skipped; line numbers are 1-based. */
export function parseJsonl(text: string, file: string): { rec: Json; line: number }[] {
  const out: { rec: Json; line: number }[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let rec: unknown;
    try {
      rec = JSON.parse(raw);
    } catch (e) {
      fail(file, i + 1, `not JSON: ${(e as Error).message}`);
    }
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) fail(file, i + 1, 'a line must be a JSON object');
    out.push({ rec: rec as Json, line: i + 1 });
  });
  return out;
}

function readJsonl(path: string): { rec: Json; line: number }[] {
  return parseJsonl(readText(path), path);
}

function callOf(c: unknown, file: string, line: number, defaultLabel: 'benign' | 'attack'): Json {
  if (c === null || typeof c !== 'object') fail(file, line, 'a call must be an object');
  const call = c as Json;
  str(call, 'function', file, line);
  if (call['args'] === null || typeof call['args'] !== 'object') fail(file, line, `call ${String(call['function'])}: "args" must be an object`);
  const label = call['label'] ?? defaultLabel;
  if (label !== 'benign' && label !== 'attack') fail(file, line, `call ${String(call['function'])}: label must be benign or attack`);
  return call;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function loadTools(dir: string): ReadonlyMap<string, ReadonlyMap<string, DatasetTool>> {
  const file = join(dir, 'tools.json');
  let doc: { suites?: Record<string, { name: string; our_categories?: string[]; parameters?: { name: string; type: string; required: boolean }[] }[]> };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ArbiterError('ARB_EVAL_DATASET_MISSING', `cannot read ${file}: ${(e as Error).message}`, { file });
  }
  if (doc.suites === undefined) throw new ArbiterError('ARB_EVAL_DATASET_INVALID', 'tools.json has no "suites"', { file });
  const out = new Map<string, Map<string, DatasetTool>>();
  for (const [suite, tools] of Object.entries(doc.suites)) {
    out.set(suite, new Map(tools.map((t) => [t.name, { name: t.name, categories: t.our_categories ?? [], parameters: t.parameters ?? [] }])));
  }
  return out;
}

/** benign.jsonl: one user task per line, attack-free. */
export function loadBenign(dir: string): Trajectory[] {
  const file = join(dir, 'benign.jsonl');
  return benignFrom(readText(file), file);
}

export function benignFrom(text: string, file: string): Trajectory[] {
  return parseJsonl(text, file).map(({ rec, line }) => {
    const suite = str(rec, 'suite', file, line);
    const userTaskId = str(rec, 'user_task_id', file, line);
    const calls = arr(rec, 'calls', file, line).map((c) => {
      const call = callOf(c, file, line, 'benign');
      return {
        fn: call['function'] as string, args: call['args'] as Args, label: 'benign' as const,
        effectful: call['effectful_per_our_annotation'] === true, outputChars: num(call['output_chars']),
        outputHasInjection: false, untrustedVectors: (call['untrusted_vectors_in_output'] as string[] | undefined) ?? [],
      };
    });
    return { id: `benign/${suite}/${userTaskId}`, suite, userTaskId, injectionTaskId: null, prompt: str(rec, 'prompt', file, line), injectedText: '', calls, textOnlyGoal: false };
  });
}

/** attacks.jsonl: user task × injection task; the injection lands in the output of call `injected_after_index`. */
export function loadAttacks(dir: string): Trajectory[] {
  const file = join(dir, 'attacks.jsonl');
  return attacksFrom(readText(file), file);
}

export function attacksFrom(text: string, file: string): Trajectory[] {
  return parseJsonl(text, file).map(({ rec, line }) => {
    const suite = str(rec, 'suite', file, line);
    const userTaskId = str(rec, 'user_task_id', file, line);
    const injectionTaskId = str(rec, 'injection_task_id', file, line);
    const injectedAfter = rec['injected_after_index'];
    if (typeof injectedAfter !== 'number') fail(file, line, 'field "injected_after_index" must be a number');
    const calls = arr(rec, 'calls', file, line).map((c, i) => {
      const call = callOf(c, file, line, 'benign');
      return {
        fn: call['function'] as string, args: call['args'] as Args, label: call['label'] === 'attack' ? ('attack' as const) : ('benign' as const),
        effectful: call['effectful_per_our_annotation'] === true, outputChars: num(call['output_chars_with_placeholder']),
        outputHasInjection: i === injectedAfter, untrustedVectors: (call['untrusted_vectors_in_output'] as string[] | undefined) ?? [],
      };
    });
    return {
      id: `attack/${suite}/${userTaskId}/${injectionTaskId}`, suite, userTaskId, injectionTaskId,
      prompt: str(rec, 'prompt', file, line), injectedText: str(rec, 'goal', file, line), calls,
      textOnlyGoal: rec['attack_calls_source'] === 'none_text_only_goal',
    };
  });
}

/**
 * real_runs.jsonl: calls an actual agent made. Prompts and injection goals are not on the line: they come from the
 * benign and injection-task files of the benchmark version the run used (v1 in dir/v1, v1.2.x at the top level).
 */
export function loadRealRuns(dir: string): Trajectory[] {
  const file = join(dir, 'real_runs.jsonl');
  const prompts = new Map<string, string>();
  const goals = new Map<string, string>();
  for (const [version, sub] of [['v1', 'v1'], ['v1.2', '']] as const) {
    for (const { rec } of readJsonl(join(dir, sub, 'benign.jsonl'))) prompts.set(`${version}/${String(rec['suite'])}/${String(rec['user_task_id'])}`, String(rec['prompt']));
    for (const { rec } of readJsonl(join(dir, sub, 'injection_tasks.jsonl'))) goals.set(`${version}/${String(rec['suite'])}/${String(rec['injection_task_id'])}`, String(rec['goal']));
  }
  return readJsonl(file).map(({ rec, line }) => {
    const suite = str(rec, 'suite', file, line);
    const userTaskId = str(rec, 'user_task_id', file, line);
    const version = str(rec, 'benchmark_version_assumed', file, line) === 'v1' ? 'v1' : 'v1.2';
    const injectionTaskId = typeof rec['injection_task_id'] === 'string' ? rec['injection_task_id'] : null;
    const prompt = prompts.get(`${version}/${suite}/${userTaskId}`);
    if (prompt === undefined) fail(file, line, `no prompt for ${version} ${suite} ${userTaskId} in benign.jsonl`);
    const goal = injectionTaskId === null ? '' : goals.get(`${version}/${suite}/${injectionTaskId}`);
    if (goal === undefined) fail(file, line, `no goal for ${version} ${suite} ${injectionTaskId} in injection_tasks.jsonl`);
    const firstAttack = typeof rec['first_heuristic_attack_call'] === 'number' ? rec['first_heuristic_attack_call'] : -1;
    const calls = arr(rec, 'calls', file, line).map((c, i) => {
      const call = callOf(c, file, line, 'benign');
      const isAttack = call['heuristic_attack_call'] === true || i === firstAttack;
      return {
        fn: call['function'] as string, args: call['args'] as Args, label: isAttack ? ('attack' as const) : ('benign' as const),
        effectful: call['effectful_per_our_annotation'] === true, outputChars: 0,
        outputHasInjection: call['output_has_injection'] === true, untrustedVectors: call['output_has_injection'] === true ? ['injection'] : [],
      };
    });
    const model = str(rec, 'model', file, line);
    const defense = typeof rec['defense'] === 'string' ? rec['defense'] : 'none';
    return {
      id: `real/${model}/${defense}/${suite}/${userTaskId}/${injectionTaskId ?? 'clean'}`, suite, userTaskId, injectionTaskId, prompt,
      injectedText: goal, calls,
      ...(typeof rec['attack_succeeded'] === 'boolean' ? { attackSucceeded: rec['attack_succeeded'] } : {}),
      ...(typeof rec['user_task_succeeded'] === 'boolean' ? { userTaskSucceeded: rec['user_task_succeeded'] } : {}),
      textOnlyGoal: false,
    };
  });
}
