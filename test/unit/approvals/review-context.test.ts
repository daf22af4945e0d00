import { describe, expect, it } from 'vitest';
import { EMPTY_FACTS, type Decision } from '../../../processors/core/types.ts';
import { recentStepLines, reviewContextFor } from '../../../processors/approvals/review-context.ts';
import { avroType } from '../../../schemas/catalogue.ts';
import { frame } from '../../../processors/runtime/serde/wire-format.ts';
import { testBundle, proposal } from '../verdict/fixtures.ts';
import type { Verdict } from '../../../schemas/generated/Verdict.ts';

const framed = (v: Partial<Verdict>): Buffer => frame(7, avroType('Verdict').toBuffer({
  proposalId: 'p', decisionId: 'd', sessionId: 's', effect: 'allow', ruleIds: [], reasons: [], modifications: [], modifiedArgs: null,
  approval: null, approvalId: '', bundleRevision: 'r', errorCode: '', decidedAtMs: 1, ...v,
}));

describe('review context of an approval request', () => {
  it('shows the action, its side effect, who delegated it, readable amounts, recipients, reasons, facts and recent steps', () => {
    const bundle = testBundle();
    const p = proposal({ tool: 'send_email', userId: 'dana', args: { to: ['bob@example.com'], subject: 's', body: 'my SSN is 123-45-6789' } });
    const decision = { effect: 'escalate', reasons: ['send_email needs approval (rule x)'] } as unknown as Decision;
    const facts = { ...EMPTY_FACTS, stepCount: 4, tainted: true, taintSources: ['email:inbox'], readRecords: { pii: 3 } };
    const recent = [{ verdict: framed({ effect: 'deny', reasons: ['http_get denied: x (rule y)'] }) }, { verdict: Buffer.from('not a verdict') }];
    const ctx = reviewContextFor(p, decision, bundle.tools.get('send_email'), facts, recent);
    expect(ctx).toMatchObject({ userId: 'dana', verb: 'communicate', sideEffect: 'external', dataLabels: ['pii'], reasons: ['send_email needs approval (rule x)'],
      sessionFacts: { 'session.step_count': '4', 'session.tainted': 'true', 'session.taint_sources': 'email:inbox', 'session.read.records{label=pii}': '3' },
      recentSteps: ['deny: http_get denied: x (rule y)'] });
    expect(ctx.recipients[0]).toMatch(/^example\.com sha256:/);
    expect(JSON.stringify(ctx)).not.toContain('123-45-6789');
    expect(JSON.stringify(ctx)).not.toContain('bob@');
    expect(reviewContextFor(proposal({ tool: 'wire_transfer', args: { amount: 5000 } }), decision, bundle.tools.get('wire_transfer'), EMPTY_FACTS, []).args)
      .toEqual({ amount: '5000' });
  });

  it('keeps only the latest steps', () => {
    const recent = Array.from({ length: 12 }, (_, i) => ({ verdict: framed({ reasons: [`step ${i}`] }) }));
    expect(recentStepLines(recent, 3)).toEqual(['allow: step 9', 'allow: step 10', 'allow: step 11']);
  });
});
