import { describe, expect, it } from 'vitest';
import { compileIntents } from '../../../processors/policy/intents.ts';

const check = compileIntents(new Map([
  ['payments', ['send_money', 'schedule_*']],
  ['messaging', ['send_email']],
]));

describe('declared task intents', () => {
  it('applies no check when no intent is declared', () => {
    expect(check('', 'send_money')).toBeUndefined();
  });
  it('puts a tool on task when the intent lists it, exactly or by glob', () => {
    expect(check('payments', 'send_money')).toBe(true);
    expect(check('payments', 'schedule_transaction')).toBe(true);
    expect(check('payments', 'send_email')).toBe(false);
  });
  it('joins intents with "+": on task when any named intent allows the tool', () => {
    expect(check('payments+messaging', 'send_email')).toBe(true);
    expect(check('messaging+payments', 'schedule_transaction')).toBe(true);
    expect(check('payments+messaging', 'delete_file')).toBe(false);
  });
  it('lets an undeclared intent name allow nothing', () => {
    expect(check('unknown', 'send_money')).toBe(false);
    expect(check('unknown+messaging', 'send_money')).toBe(false);
    expect(check('unknown+messaging', 'send_email')).toBe(true);
  });
});
