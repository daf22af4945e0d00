// Fingerprints of a tool call: an exact hash of the canonical arguments (identical calls) and a b-bit MinHash
// signature of the argument token set (near-identical calls). Cost is linear in the arguments for the exact hash
// and bounded by MAX_TOKENS / MAX_TOKEN_SCAN_CHARS for the signature.

import type { ArgValue, Args, ToolCallProposal } from '../core/types.ts';
import { HASH_SEED, hashString, hashUnit, mix32 } from './hash.ts';
import { MAX_TOKEN_SCAN_CHARS, MAX_TOKENS, MINHASH_BITS, MINHASH_K } from './limits.ts';

/** Signature words: MINHASH_K minima of MINHASH_BITS bits, packed into int32 words. */
const PER_WORD = 32 / MINHASH_BITS;
const LOW_BITS = (1 << MINHASH_BITS) - 1;
export const SIG_WORDS = MINHASH_K / PER_WORD;

export interface CallFingerprint {
  /** Hash of the tool name. */
  readonly tool: number;
  /** Hash of the declared intent ("" hashes too). */
  readonly intent: number;
  /** Hash of the canonical arguments (keys sorted, values typed). Equal hashes = identical arguments. */
  readonly args: number;
  /** SIG_WORDS int32 words of the b-bit MinHash signature over "path:token" items. */
  readonly sig: readonly number[];
}

const SEEDS: readonly number[] = Array.from({ length: MINHASH_K }, (_, i) => mix32(0x9e3779b9 * (i + 1)));

// Scratch state for one fingerprint computation. Reset on every call; JavaScript runs this single-threaded.
const mins = new Uint32Array(MINHASH_K);
let exact = HASH_SEED;
let tokens = 0;
let scanned = 0;

const TAG_NULL = 1, TAG_FALSE = 2, TAG_TRUE = 3, TAG_NUMBER = 4, TAG_STRING = 5, TAG_ARRAY = 6, TAG_OBJECT = 7, TAG_KEY = 8;

function addToken(tokenHash: number): void {
  tokens++;
  for (let i = 0; i < MINHASH_K; i++) {
    const m = mix32(tokenHash ^ (SEEDS[i] as number)) >>> 0;
    if (m < (mins[i] as number)) mins[i] = m;
  }
}

function isTokenChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c >= 128;
}

/** Splits `s` into lower-cased alphanumeric runs, each hashed with the argument path it sits under. */
function tokenise(s: string, pathHash: number): void {
  let h = pathHash;
  let inToken = false;
  const end = Math.min(s.length, MAX_TOKEN_SCAN_CHARS - scanned);
  for (let i = 0; i < end && tokens < MAX_TOKENS; i++) {
    let c = s.charCodeAt(i);
    if (isTokenChar(c)) {
      if (c >= 65 && c <= 90) c += 32;
      h = hashUnit(h, c);
      inToken = true;
    } else if (inToken) {
      addToken(h);
      h = pathHash;
      inToken = false;
    }
  }
  if (inToken && tokens < MAX_TOKENS) addToken(h);
  scanned += end > 0 ? end : 0;
}

function scalarToken(text: string, pathHash: number): void {
  if (tokens < MAX_TOKENS) addToken(hashString(text, pathHash));
}

function walk(v: ArgValue, pathHash: number): void {
  if (v === null) {
    exact = hashUnit(exact, TAG_NULL);
    scalarToken('null', pathHash);
  } else if (typeof v === 'boolean') {
    exact = hashUnit(exact, v ? TAG_TRUE : TAG_FALSE);
    scalarToken(v ? 'true' : 'false', pathHash);
  } else if (typeof v === 'number') {
    const text = Object.is(v, -0) ? '0' : String(v);
    exact = hashString(text, hashUnit(exact, TAG_NUMBER));
    scalarToken(text, pathHash);
  } else if (typeof v === 'string') {
    exact = hashString(v, hashUnit(hashUnit(exact, TAG_STRING), v.length & 0xffff));
    if (tokens < MAX_TOKENS && scanned < MAX_TOKEN_SCAN_CHARS) tokenise(v, pathHash);
  } else if (Array.isArray(v)) {
    exact = hashUnit(hashUnit(exact, TAG_ARRAY), v.length & 0xffff);
    for (const item of v as readonly ArgValue[]) walk(item, pathHash);
  } else {
    walkObject(v as { readonly [k: string]: ArgValue }, pathHash);
  }
}

function walkObject(o: { readonly [k: string]: ArgValue }, pathHash: number): void {
  const keys = Object.keys(o).sort();
  exact = hashUnit(hashUnit(exact, TAG_OBJECT), keys.length & 0xffff);
  for (const k of keys) {
    exact = hashString(k, hashUnit(hashUnit(exact, TAG_KEY), k.length & 0xffff));
    walk(o[k] as ArgValue, hashUnit(hashString(k, pathHash), 0x2e));
  }
}

/** Exact hash and MinHash signature of a set of arguments. */
export function fingerprintArgs(args: Args): { readonly args: number; readonly sig: readonly number[] } {
  mins.fill(0xffffffff);
  exact = HASH_SEED;
  tokens = 0;
  scanned = 0;
  walkObject(args, HASH_SEED);
  const sig: number[] = [];
  for (let w = 0; w < SIG_WORDS; w++) {
    let word = 0;
    for (let j = 0; j < PER_WORD; j++) word = (word << MINHASH_BITS) | ((mins[w * PER_WORD + j] as number) & LOW_BITS);
    sig.push(word | 0);
  }
  return { args: exact, sig };
}

// One-entry cache: the decide path asks for the same proposal's fingerprint three times in a row (factsFor, the
// proposal event, the decision event). A WeakMap did the same but cost more in GC than the hashing it saved.
let lastProposal: ToolCallProposal | undefined;
let lastFingerprint: CallFingerprint | undefined;

/** Fingerprint of a proposal (tool, intent, arguments). Deterministic; cached for the most recent proposal object. */
export function fingerprintCall(p: ToolCallProposal): CallFingerprint {
  if (p === lastProposal && lastFingerprint !== undefined) return lastFingerprint;
  const a = fingerprintArgs(p.args);
  const fp: CallFingerprint = { tool: hashString(p.tool), intent: hashString(p.intent), args: a.args, sig: a.sig };
  lastProposal = p;
  lastFingerprint = fp;
  return fp;
}

/**
 * Estimated Jaccard similarity (0..1) of the token sets behind two signatures read from `a` at `ai` and `b` at `bi`.
 * b-bit MinHash: equal low bits happen by chance 1 / 2^MINHASH_BITS of the time, which the estimate corrects for.
 */
export function signatureSimilarity(a: readonly number[], ai: number, b: readonly number[], bi: number): number {
  let equal = 0;
  for (let w = 0; w < SIG_WORDS; w++) {
    let x = (a[ai + w] as number) ^ (b[bi + w] as number);
    for (let j = 0; j < PER_WORD; j++, x >>>= MINHASH_BITS) if ((x & LOW_BITS) === 0) equal++;
  }
  const p = equal / MINHASH_K;
  const chance = 1 / (1 << MINHASH_BITS);
  const j = (p - chance) / (1 - chance);
  return j <= 0 ? 0 : j >= 1 ? 1 : j;
}
