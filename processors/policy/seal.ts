// Stage "seal" helpers: canonical JSON (sorted keys), the sha256 revision, and deep freezing.
// A sealed bundle is immutable: plain objects and arrays are frozen, maps are exposed read-only.

import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal content gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Freezes plain objects, arrays and functions recursively. Other objects (RE2 programs, which keep internal
 * caches) are left alone: they are private to closures and never reachable for mutation through the bundle API.
 */
export function deepFreeze<T>(value: T): T {
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) return;
    seen.add(v);
    if (typeof v === 'object' && !Array.isArray(v)) {
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return;
    }
    for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  };
  walk(value);
  return value;
}

/** A read-only, frozen view of a map whose values are deep-frozen. set/delete/clear do not exist on it. */
export function freezeMap<K, V>(source: ReadonlyMap<K, V>): ReadonlyMap<K, V> {
  const m = new Map(source);
  for (const v of m.values()) deepFreeze(v);
  const view: ReadonlyMap<K, V> = {
    get: (k) => m.get(k),
    has: (k) => m.has(k),
    get size() {
      return m.size;
    },
    keys: () => m.keys(),
    values: () => m.values(),
    entries: () => m.entries(),
    forEach: (cb, thisArg) => m.forEach((v, k) => cb.call(thisArg, v, k, view)),
    [Symbol.iterator]: () => m[Symbol.iterator](),
  };
  return Object.freeze(view);
}
