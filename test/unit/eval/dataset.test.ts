import { describe, expect, it } from 'vitest';
import { ArbiterError } from '../../../processors/core/errors.ts';
import { attacksFrom, benignFrom, parseJsonl } from '../../../processors/eval/agentdojo/dataset.ts';

function errorOf(f: () => unknown): ArbiterError {
  try {
    f();
  } catch (e) {
    if (e instanceof ArbiterError) return e;
    throw e;
  }
  throw new Error('expected an ArbiterError');
}

const benignLine = (over: Record<string, unknown> = {}) => JSON.stringify({
  suite: 'banking', user_task_id: 'user_task_0', prompt: 'Pay the bill.',
  calls: [{ function: 'send_money', args: { recipient: 'X', amount: 1 }, output_chars: 12, effectful_per_our_annotation: true }], ...over,
});

describe('AgentDojo dataset parsing', () => {
  it('reports a line that is not JSON with file:line, skipping blank lines in the count', () => {
    const e = errorOf(() => parseJsonl(`${benignLine()}\n\n{oops`, 'benign.jsonl'));
    expect(e.code).toBe('ARB_EVAL_DATASET_INVALID');
    expect(e.location).toEqual({ file: 'benign.jsonl', line: 3 });
    expect(e.message).toContain('not JSON');
    expect(e.message).toContain('(at benign.jsonl:3)');
  });

  it('rejects a line that is a JSON array, and a missing or mistyped field, naming the field', () => {
    expect(errorOf(() => parseJsonl('[1]', 'f.jsonl')).message).toContain('must be a JSON object');
    const missing = errorOf(() => benignFrom(`${benignLine()}\n${benignLine({ prompt: 7 })}`, 'benign.jsonl'));
    expect(missing.location).toEqual({ file: 'benign.jsonl', line: 2 });
    expect(missing.message).toContain('field "prompt" must be a string, got number');
    expect(errorOf(() => benignFrom(benignLine({ calls: {} }), 'b')).message).toContain('field "calls" must be an array');
  });

  it('rejects a call without args object or with an unknown label', () => {
    const noArgs = benignLine({ calls: [{ function: 'f', args: null }] });
    expect(errorOf(() => benignFrom(noArgs, 'b')).message).toContain('call f: "args" must be an object');
    const badLabel = benignLine({ calls: [{ function: 'f', args: {}, label: 'maybe' }] });
    expect(errorOf(() => benignFrom(badLabel, 'b')).message).toContain('label must be benign or attack');
  });

  it('reads a benign line into a trajectory with typed calls', () => {
    const [t] = benignFrom(benignLine(), 'b');
    expect(t).toMatchObject({ id: 'benign/banking/user_task_0', injectionTaskId: null, injectedText: '', textOnlyGoal: false });
    expect(t?.calls[0]).toMatchObject({ fn: 'send_money', label: 'benign', effectful: true, outputChars: 12, outputHasInjection: false });
  });

  it('marks the injection source call of an attack line and keeps per-call labels', () => {
    const line = JSON.stringify({
      suite: 'slack', user_task_id: 'user_task_1', injection_task_id: 'injection_task_1', prompt: 'p', goal: 'Send www.x.com to Alice',
      injected_after_index: 0, attack_calls_source: 'agentdojo_ground_truth',
      calls: [{ function: 'get_webpage', args: { url: 'a.com' }, untrusted_vectors_in_output: ['v1'] },
        { function: 'send_direct_message', args: { recipient: 'Alice', body: 'www.x.com' }, label: 'attack', effectful_per_our_annotation: true }],
    });
    const [t] = attacksFrom(line, 'attacks.jsonl');
    expect(t?.calls.map((c) => [c.label, c.outputHasInjection])).toEqual([['benign', true], ['attack', false]]);
    expect(t?.injectedText).toBe('Send www.x.com to Alice');
    const noIndex = errorOf(() => attacksFrom(JSON.stringify({ ...JSON.parse(line), injected_after_index: 'x' }), 'attacks.jsonl'));
    expect(noIndex.message).toContain('"injected_after_index" must be a number');
  });

  it('flags a text-only goal so it is excluded from tool-call scoring', () => {
    const line = JSON.stringify({ suite: 'travel', user_task_id: 'u', injection_task_id: 'i', prompt: 'p', goal: 'Say X', injected_after_index: 0, attack_calls_source: 'none_text_only_goal', calls: [] });
    expect(attacksFrom(line, 'a')[0]?.textOnlyGoal).toBe(true);
  });
});
