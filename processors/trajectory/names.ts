// Names kept in session state (data labels, taint sources): normalised so a restored state holds exactly the strings
// a fold would, and interned so a million sessions share one copy of "pii" or "email:inbox".

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Distinct names kept for sharing; past this, names are stored unshared (correct, only less compact). */
const MAX_INTERNED = 8192;
const interned = new Map<string, string>();

/** The shared copy of `s` (s itself the first time), while the table has room. */
export function intern(s: string): string {
  const known = interned.get(s);
  if (known !== undefined) return known;
  if (interned.size < MAX_INTERNED) interned.set(s, s);
  return s;
}

/**
 * A name as stored: well-formed UTF-16 (lone surrogates become U+FFFD, as UTF-8 serialization would make them) and
 * cut to `max` code units without splitting a surrogate pair, then interned.
 */
export function storedName(raw: string, max: number): string {
  const s = raw.replace(LONE_SURROGATE, '\uFFFD');
  if (s.length <= max) return intern(s);
  const c = s.charCodeAt(max - 1);
  return intern(s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max));
}
