// A Bloom filter of the untrusted destinations and values a session's origin lists had to forget.
//
// Why: the lists are capped (limits.ts). Without this, content that names more things than the cap after a planted
// address or value pushes it out, and it then reads "unseen" instead of "untrusted": a flood evades the provenance
// rules. An evicted untrusted key is added here, so it keeps reading "untrusted" for the rest of the session.
//
// Contract: no false negatives; a false positive makes a never-seen key read "untrusted" (the safe direction: an
// escalation, never an allow). The filter exists only once something untrusted was evicted (empty array before), so
// ordinary sessions pay nothing. 2,048 bits and 3 probes: after 100 evicted keys a fresh key reads "untrusted" with
// probability ~0.3 %, after 300 ~4 % (the filter saturates toward escalating everything unseen; never toward allowing).
// Pure: returns a new array when a bit changes, shares the input otherwise.

import { FORGOTTEN_BLOOM_PROBES, FORGOTTEN_BLOOM_WORDS } from './limits.ts';
import { mix32 } from './hash.ts';

/** Domain separation: a destination key and a value key with equal bits set different filter bits. */
export const FORGOTTEN_DESTINATION = 0x5d1e57a1;
export const FORGOTTEN_VALUE = 0x7a1ce0b5;

const BITS = FORGOTTEN_BLOOM_WORDS * 32;

/** Calls `visit(word, mask)` for each of the key's probe bits (double hashing over two mixes of the key). */
function probes(key: number, domain: number, visit: (word: number, mask: number) => boolean): boolean {
  const h1 = mix32(key ^ domain);
  const h2 = mix32(h1 ^ 0x9e3779b9) | 1;
  for (let i = 0; i < FORGOTTEN_BLOOM_PROBES; i++) {
    const bit = ((h1 + Math.imul(i, h2)) >>> 0) % BITS;
    if (!visit(bit >>> 5, 1 << (bit & 31))) return false;
  }
  return true;
}

/** The filter with `key` (origin bits already cleared) added under `domain`. */
export function forget(filter: readonly number[], key: number, domain: number): readonly number[] {
  let out: number[] | undefined;
  probes(key, domain, (word, mask) => {
    const current = (out ?? filter)[word] ?? 0;
    if ((current & mask) === 0) {
      out ??= filter.length === FORGOTTEN_BLOOM_WORDS ? filter.slice() : new Array<number>(FORGOTTEN_BLOOM_WORDS).fill(0);
      out[word] = current | mask;
    }
    return true;
  });
  return out ?? filter;
}

/** True when `key` may have been forgotten as untrusted under `domain` (never false for one that was). */
export function wasForgotten(filter: readonly number[], key: number, domain: number): boolean {
  if (filter.length === 0) return false;
  return probes(key, domain, (word, mask) => (((filter[word] as number) & mask) !== 0));
}
