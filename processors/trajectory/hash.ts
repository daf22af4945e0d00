// Small non-cryptographic hashes for fingerprints kept in session state. 32-bit values are enough here: a collision
// only makes two calls or destinations look alike within one session, and the state stays small. All results are
// int32 (`| 0`) so V8 stores them unboxed.

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

export const HASH_SEED = FNV_OFFSET;

/** FNV-1a over the UTF-16 code units of `s`, continuing from `h`. */
export function hashString(s: string, h: number = FNV_OFFSET): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h | 0;
}

/** Feeds one code unit (or a small tag) into an FNV-1a state. */
export function hashUnit(h: number, unit: number): number {
  return Math.imul(h ^ unit, FNV_PRIME) | 0;
}

/** Finaliser that spreads bits (murmur3 fmix32); used to derive independent MinHash permutations. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x | 0;
}

/**
 * Canonical form of a destination before hashing: whitespace removed (IBANs are written in groups), lower case
 * (addresses and hosts are case-insensitive in practice), and for URLs the scheme, a leading "www." and trailing
 * slashes dropped: "https://www.site.com/x/" and "site.com/x" name the same place, and content mentions links in
 * either form. The policy and the trajectory must both use this.
 */
export function canonicalDestination(d: string): string {
  return d.replace(/\s+/g, '').toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/^www\./, '').replace(/(.)\/+$/, '$1');
}

/** Hash of a named value (a normalizeValue key) with the two low bits cleared; the state keeps the origin there. */
export function valueKey(v: string): number {
  return hashString(v) & ~3;
}

/** Hash of a canonical destination with the low bit cleared; the state uses the low bit for the origin. */
export function destinationKey(d: string): number {
  return hashString(canonicalDestination(d)) & ~1;
}
