import { describe, expect, it } from 'vitest';
import type { Args } from '../../../processors/core/types.ts';
import { fingerprintArgs, signatureSimilarity } from '../../../processors/trajectory/index.ts';
import { MAX_TOKEN_SCAN_CHARS } from '../../../processors/trajectory/limits.ts';
import { EMAIL_BODY } from './fixtures.ts';

const sim = (a: Args, b: Args) =>
  signatureSimilarity(fingerprintArgs(a).sig, 0, fingerprintArgs(b).sig, 0);

describe('argument fingerprints', () => {
  it('given the same arguments in another key order, when fingerprinted, then hash and signature are equal', () => {
    const a = fingerprintArgs({ to: 'x', body: EMAIL_BODY, meta: { b: 1, a: [true, null] } });
    const b = fingerprintArgs({ meta: { a: [true, null], b: 1 }, body: EMAIL_BODY, to: 'x' });
    expect(b).toEqual(a);
  });

  it('given values that print alike but differ in type or nesting, when fingerprinted, then the exact hashes differ', () => {
    const cases: Args[] = [{ a: 1 }, { a: '1' }, { a: [1] }, { a: { '1': null } }, { a: true }, { a: 'true' }, { a: null }, {}];
    const hashes = cases.map((x) => fingerprintArgs(x).args);
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('given a value moved to another argument, when fingerprinted, then the exact hashes differ', () => {
    expect(fingerprintArgs({ a: 'x', b: 'y' }).args).not.toBe(fingerprintArgs({ a: 'y', b: 'x' }).args);
  });

  it('given -0 and 0, when fingerprinted, then they are the same argument', () => {
    expect(fingerprintArgs({ n: -0 }).args).toBe(fingerprintArgs({ n: 0 }).args);
  });

  it('given identical arguments, when compared, then the similarity is exactly 1', () => {
    expect(sim({ body: EMAIL_BODY }, { body: EMAIL_BODY })).toBe(1);
  });

  it('given a case and punctuation change only, when compared, then the token sets are equal', () => {
    expect(sim({ body: 'Send THE report, now!' }, { body: 'send the report now' })).toBe(1);
  });

  it('given unrelated arguments, when compared, then the similarity is low', () => {
    expect(sim({ body: EMAIL_BODY }, { body: 'Book a table for two at eight tonight near the old harbour' })).toBeLessThan(0.3);
  });

  it('given the same words under another argument name, when compared, then they do not count as the same tokens', () => {
    expect(sim({ body: EMAIL_BODY }, { subject: EMAIL_BODY })).toBeLessThan(0.3);
  });

  it('given two huge arguments that differ only after the scan limit, when compared, then the cost is bounded: signatures match, hashes differ', () => {
    const head = 'word '.repeat(MAX_TOKEN_SCAN_CHARS);
    const a = fingerprintArgs({ body: `${head} tail-one` });
    const b = fingerprintArgs({ body: `${head} tail-two` });
    expect(a.sig).toEqual(b.sig);
    expect(a.args).not.toBe(b.args);
  });
});
