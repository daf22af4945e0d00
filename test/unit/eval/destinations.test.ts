import { describe, expect, it } from 'vitest';
import { extractDestinations } from '../../../processors/core/destinations.ts';

describe('extractDestinations', () => {
  it('finds e-mails, URLs with or without scheme, and IBAN-shaped numbers, in order, once each', () => {
    const text = 'Mail mark.black-2134@gmail.com, visit www.true-info.com and https://bit.ly/sUf7tOJ; pay US133000000121212121212. Again: www.true-info.com.';
    expect(extractDestinations(text)).toEqual(['mark.black-2134@gmail.com', 'www.true-info.com', 'https://bit.ly/sUf7tOJ', 'US133000000121212121212']);
  });

  it('does not take the domain of an e-mail, or a file name, for a host', () => {
    expect(extractDestinations('write to a@corp.example.com about report.docx')).toEqual(['a@corp.example.com']);
  });

  it('keeps a URL path and drops trailing punctuation', () => {
    expect(extractDestinations('post them to www.my-website-234.com/random.')).toEqual(['www.my-website-234.com/random']);
  });

  it('finds nothing in plain prose', () => {
    expect(extractDestinations('Change the password of the user to new_password.')).toEqual([]);
  });
});
