// The per-partition hash chain over DecisionRecords: tamper evidence for the audit trail.
// Contract: hash = sha256_hex(prevHash + canonicalJson(record without `hash`)); the first record of a partition
// chains from GENESIS_HASH with chainSeq 0; each next record has chainSeq + 1 and prevHash = previous hash.
// Pure functions: the verdict processor calls chainNext() once per decision (keeping the ChainHead per partition,
// restorable from the last record it produced), and `arbiter verify` re-walks the chain with checkLink().
import { hash as sha256Of } from 'node:crypto';
import type { DecisionRecord } from './types.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** A DecisionRecord before it is placed on the chain. */
export type UnchainedDecision = Omit<DecisionRecord, 'chainPartition' | 'chainSeq' | 'prevHash' | 'hash'>;

/** The last link of one partition's chain; nextSeq is the seq the next record gets. */
export interface ChainHead {
  readonly partition: number;
  readonly nextSeq: number;
  readonly lastHash: string;
}

export function genesisHead(partition: number): ChainHead {
  return { partition, nextSeq: 0, lastHash: GENESIS_HASH };
}

/** The head after `last`, e.g. to resume a partition's chain from the last record it holds. */
export function headAfter(last: DecisionRecord): ChainHead {
  return { partition: last.chainPartition, nextSeq: last.chainSeq + 1, lastHash: last.hash };
}

/**
 * JSON with object keys sorted at every level and no whitespace: one byte string per value.
 * Only JSON-shaped data (strings, finite numbers, booleans, null, arrays, plain objects); undefined fields are skipped.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const k of Object.keys(obj).sort()) {
        if (obj[k] === undefined) continue;
        parts.push(`${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
  }
}

/** The hash a record must carry: over prevHash and every field except `hash` itself. Any object shape (the verifier
 *  re-walks rows as read back); chainNext hashes the same bytes through decisionJson. */
export function computeHash(record: Omit<DecisionRecord, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...rest } = record;
  return sha256Of('sha256', record.prevHash + canonicalJson(rest), 'hex');
}

/** Every DecisionRecord field the hash covers; the type check below fails to compile when the schema gains a field. */
const DECISION_FIELDS = [
  'decisionId', 'proposalId', 'sessionId', 'agentId', 'userId', 'tenantId', 'agentRole', 'environment', 'tool', 'intent',
  'effect', 'ruleIds', 'reasons', 'modifications', 'shadow', 'bundleRevision', 'argsMinimised', 'dataLabels', 'destinations',
  'factsUsed', 'approvalId', 'errorCode', 'decidedAtMs', 'latencyUs', 'chainPartition', 'chainSeq', 'prevHash',
] as const satisfies readonly (keyof DecisionRecord)[];
type UncoveredField = Exclude<keyof Omit<DecisionRecord, 'hash'>, (typeof DECISION_FIELDS)[number]>;
const everyFieldCovered: [UncoveredField] extends [never] ? true : UncoveredField = true;
void everyFieldCovered;
/** The fields in canonicalJson's key order, each with its `"name":` prefix. */
const SORTED_FIELDS = [...DECISION_FIELDS].sort().map((name) => ({ name, prefix: `${JSON.stringify(name)}:` }));

/** canonicalJson of a string array (JSON.stringify gives the same bytes for strings); anything else the generic way. */
function stringsJson(values: readonly unknown[]): string {
  for (const v of values) if (typeof v !== 'string') return canonicalJson(values);
  return JSON.stringify(values);
}

/** canonicalJson of a string -> string map: keys sorted, no intermediate arrays of parts. */
function stringMapJson(map: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(map);
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (const k of keys) {
    const v = map[k];
    if (v === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v)}`;
  }
  return `${out}}`;
}

/**
 * canonicalJson(record without `hash`) for a DecisionRecord, byte for byte (test/unit/verdict/decision-json.test.ts
 * compares the two and pins golden hashes), compiled for the record's known fields: keys in their sorted order with pre-quoted names, strings,
 * string lists and string maps written directly; any other value (modifications, shadow outcomes) the generic way.
 * Keys outside the schema are not covered: the Avro record drops them, so the stored row could not be verified anyway.
 */
export function decisionJson(record: Omit<DecisionRecord, 'hash'>): string {
  const r = record as unknown as Readonly<Record<string, unknown>>;
  let out = '{';
  for (const { name, prefix } of SORTED_FIELDS) {
    const v = r[name];
    let json: string;
    if (typeof v === 'string') json = JSON.stringify(v);
    else if (v === undefined) continue;
    else if (Array.isArray(v)) json = v.length === 0 ? '[]' : name === 'modifications' || name === 'shadow' ? canonicalJson(v) : stringsJson(v);
    else if (typeof v === 'object' && v !== null) json = stringMapJson(v as Record<string, unknown>);
    else json = canonicalJson(v);
    out += `${out.length > 1 ? ',' : ''}${prefix}${json}`;
  }
  return `${out}}`;
}

/** Places `decision` on the chain after `head`; returns the chained record and the new head. */
export function chainNext(head: ChainHead, decision: UnchainedDecision): { record: DecisionRecord; head: ChainHead } {
  const unhashed: Omit<DecisionRecord, 'hash'> = { ...decision, chainPartition: head.partition, chainSeq: head.nextSeq, prevHash: head.lastHash };
  const hash = sha256Of('sha256', unhashed.prevHash + decisionJson(unhashed), 'hex');
  const record: DecisionRecord = { ...unhashed, hash };
  return { record, head: { partition: head.partition, nextSeq: head.nextSeq + 1, lastHash: hash } };
}

/** Why a link is broken. Codes are stable (see ERROR_CATALOGUE ARB_CHAIN_*). */
export type ChainBreak =
  | { readonly code: 'ARB_CHAIN_HASH_MISMATCH'; readonly seq: number; readonly decisionId: string; readonly detail: string }
  | { readonly code: 'ARB_CHAIN_PREV_MISMATCH'; readonly seq: number; readonly decisionId: string; readonly detail: string }
  | { readonly code: 'ARB_CHAIN_GAP'; readonly seq: number; readonly decisionId: string; readonly detail: string };

/**
 * Checks one record against the link before it (`prev` = the head after the previous record, or genesis).
 * Returns every problem of this link: a content change (hash), a re-hashed change or reorder (prev), a missing record (gap).
 */
export function checkLink(prev: ChainHead, record: DecisionRecord): ChainBreak[] {
  const problems: ChainBreak[] = [];
  const at = { seq: record.chainSeq, decisionId: record.decisionId };
  const recomputed = computeHash(record);
  if (recomputed !== record.hash) {
    problems.push({ code: 'ARB_CHAIN_HASH_MISMATCH', ...at, detail: `stored hash ${record.hash} but content hashes to ${recomputed}: the row was altered` });
  }
  if (record.chainSeq > prev.nextSeq) {
    const missing = record.chainSeq - prev.nextSeq;
    problems.push({ code: 'ARB_CHAIN_GAP', ...at, detail: `${missing} record(s) missing before seq ${record.chainSeq} (seq ${prev.nextSeq}..${record.chainSeq - 1}): deleted or never stored` });
  } else if (record.prevHash !== prev.lastHash) {
    problems.push({ code: 'ARB_CHAIN_PREV_MISMATCH', ...at, detail: `prevHash ${record.prevHash} does not match the hash ${prev.lastHash} of seq ${prev.nextSeq - 1}: the previous record was altered or replaced` });
  }
  return problems;
}
