// What `arbiter eval --kafka` prints: the set tables, whether they equal the in-process ones, and each differing call.
import { describe, expect, it } from 'vitest';
import { renderKafka } from '../../../processors/cli/eval.ts';
import type { KafkaEvalReport } from '../../../processors/eval/agentdojo/kafka-run.ts';
import type { SetReport } from '../../../processors/eval/agentdojo/run.ts';
import { emptyScore, type SuiteScore } from '../../../processors/eval/agentdojo/score.ts';

const score = (over: Partial<SuiteScore>): SuiteScore => ({ ...emptyScore(), ...over });
const set = (attackSucceeded: number): SetReport => ({
  key: 'ground-truth', name: 'ground truth',
  suites: new Map([['banking', score({ attacks: 10, attackSucceeded, benign: 5 })]]),
  total: score({ attacks: 10, attackSucceeded, benign: 5 }),
});
const report = (kafkaSet: SetReport, differences: KafkaEvalReport['differences']): KafkaEvalReport => ({
  runId: 'r', topicPrefix: 'arbiter-eval-r', bundles: new Map([['banking', 'sha256:0123456789abcdef']]), sets: [kafkaSet], inProcessSets: [set(1)],
  differences, trajectories: 15, calls: 40, escalations: 3, elapsedMs: 2000, verdictMs: { p50: 12, p99: 80 }, foldRounds: 3, foldMeanMs: 5,
});

describe('renderKafka', () => {
  it('says the figures are equal and no call differs when the Kafka run matches', () => {
    const text = renderKafka(report(set(1), []), 0);
    expect(text).toContain('figures equal to the in-process mode\'s: yes');
    expect(text).toContain('calls compared with the in-process mode: 40, different: 0');
    expect(text).toContain('| banking | 10 | 1 (10.0%) |');
    expect(text).toContain('40 calls (3 escalations answered on the approvals topic) in 2.0 s: 20 calls/s');
    expect(text).toContain('banking=0123456789ab');
  });

  it('says NO and lists every differing call and every failed trajectory', () => {
    const text = renderKafka(report(set(2), [
      { set: 'ground-truth', trajectory: 'attack/banking/u1/i1', call: 2, tool: 'send_money', inProcess: 'escalate (r1): why', kafka: 'allow: default' },
      { set: 'ground-truth', trajectory: 'attack/banking/u2/i1', call: -1, tool: '', inProcess: '', kafka: 'call 0: no verdict from the processor' },
    ]), 0);
    expect(text).toContain('figures equal to the in-process mode\'s: NO');
    expect(text).toContain('different: 2');
    expect(text).toContain('- ground-truth attack/banking/u1/i1 call 2 send_money: in-process escalate (r1): why | kafka allow: default');
    expect(text).toContain('- ground-truth attack/banking/u2/i1: call 0: no verdict from the processor');
  });
});
