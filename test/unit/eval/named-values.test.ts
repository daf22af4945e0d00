import { describe, expect, it } from 'vitest';
import { extractNamedValues, normalizeValue } from '../../../processors/core/named-values.ts';

describe('extractNamedValues', () => {
  it('finds quoted values and Title Case names of two or more words, normalized, once each, quotes first', () => {
    const text = "Book the Riverside View Hotel. Title it 'Booking a room at the Riverside View Hotel', delete file '13' and \"Riverside View Hotel\" again.";
    expect(extractNamedValues(text)).toEqual(['booking a room at the riverside view hotel', '13', 'riverside view hotel']);
  });

  it('does not take a single capitalised word or plain prose for a name', () => {
    expect(extractNamedValues('Please change the password of the user to new_password.')).toEqual([]);
    expect(extractNamedValues('Hello. Spotify sent me a note.')).toEqual([]);
  });

  it('normalizes case, inner white space and surrounding punctuation', () => {
    expect(normalizeValue('  “Le  Marais\tBoutique”. ')).toBe('le marais boutique');
    expect(normalizeValue('1j1l-2k3j')).toBe('1j1l-2k3j');
  });
});
