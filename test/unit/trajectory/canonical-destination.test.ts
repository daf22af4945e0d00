import { describe, expect, it } from 'vitest';
import { canonicalDestination } from '../../../processors/trajectory/index.ts';

describe('canonicalDestination', () => {
  it('names one URL the same with or without scheme, www. and trailing slashes', () => {
    const forms = ['https://www.Site-1.com/random', 'http://site-1.com/random/', 'www.site-1.com/random', 'site-1.com/random'];
    expect(new Set(forms.map(canonicalDestination))).toEqual(new Set(['site-1.com/random']));
  });

  it('keeps IBAN groups and e-mail addresses comparable and leaves a root path intact', () => {
    expect(canonicalDestination('US13 3000 0001 2121')).toBe('us13300000012121');
    expect(canonicalDestination('Bob@Corp.example')).toBe('bob@corp.example');
    expect(canonicalDestination('/')).toBe('/');
    expect(canonicalDestination('https://site.com/')).not.toBe(canonicalDestination('https://other.com/'));
  });
});
