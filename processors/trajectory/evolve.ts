// evolve(state, event) → state': the pure fold of a session's trajectory. No clock, no I/O, no mutation: every
// event carries its time, and arrays that do not change are shared with the previous state.

import { VERB_PRIVILEGE, type ToolCallResult } from '../core/types.ts';
import type { ApprovalResolved, DecisionMade, ProposalReceived, QuarantineSignal, ResultReported, SessionEvent, TrustedInput } from './events.ts';
import { findDestination, findValue, isRetryAfterDeny, isTaintedAt } from './detect.ts';
import { type CallFingerprint, fingerprintCall } from './fingerprint.ts';
import { destinationKey, hashString, valueKey } from './hash.ts';
import { FORGOTTEN_DESTINATION, FORGOTTEN_VALUE, forget, wasForgotten } from './forgotten.ts';
import {
  MAX_DENIED, MAX_DESTINATIONS, MAX_LABEL_CHARS, MAX_LABELS, MAX_PENDING, MAX_RECENT_CALLS, MAX_SOURCE_CHARS,
  MAX_TAINT_SOURCES, MAX_VALUES, OVERFLOW_LABEL, OVERFLOW_SOURCE,
} from './limits.ts';
import {
  CALL_STRIDE, DENIED_STRIDE, PENDING_STRIDE, type SessionState, VALUE_UNTRUSTED, VALUE_USER, compact, pushRing,
} from './state.ts';
import { countCall, dayIndex, monthIndex } from './windows.ts';
import { storedName } from './names.ts';
import { markFolded } from './sequence.ts';
import type { ToolInfo } from './tool-info.ts';

export function evolve(state: SessionState, event: SessionEvent): SessionState {
  if (event.kind === 'result' && event.order !== undefined) {
    const eventSeqs = markFolded(state.eventSeqs, event.order);
    if (eventSeqs === undefined) return state; // a copy of a result already folded
    state = { ...state, eventSeqs };
  }
  const t = clampTime(event.atMs, state);
  const s = touch(state, t);
  switch (event.kind) {
    case 'proposal': return onProposal(s, event, t);
    case 'decision': return onDecision(s, event, t);
    case 'result': return onResult(s, event, t);
    case 'approval': return onApproval(s, event, t);
    case 'quarantine': return onQuarantine(s, event);
    case 'trusted-input': return onTrustedInput(s, event);
  }
}

/** Folds events onto `from` (EMPTY_STATE for a new session) in order. */
export function fold(events: Iterable<SessionEvent>, from: SessionState): SessionState {
  let s = from;
  for (const e of events) s = evolve(s, e);
  return s;
}

/** Event time as a whole, non-negative ms; an invalid time falls back to the latest time the state has seen. */
function clampTime(atMs: number, state: SessionState): number {
  return Number.isFinite(atMs) && atMs >= 0 ? Math.floor(atMs) : state.lastMs;
}

/** Advances the state's latest time to `t` when `t` is later. */
function touch(state: SessionState, t: number): SessionState {
  return t > state.lastMs ? { ...state, lastMs: t } : state;
}

function signed(fp: CallFingerprint, head: readonly number[]): number[] {
  return head.concat(fp.sig);
}

function onProposal(s: SessionState, e: ProposalReceived, t: number): SessionState {
  const fp = fingerprintCall(e.proposal);
  const tainted = isTaintedAt(s, t);
  const rate = countCall(s, t);
  return {
    ...s,
    steps: s.steps + 1,
    taintedCalls: s.taintedCalls + (tainted ? 1 : 0),
    deniedRetries: s.deniedRetries + (isRetryAfterDeny(s.denied, fp) ? 1 : 0),
    outsideIntentCalls: s.outsideIntentCalls + (e.outsideIntent ? 1 : 0),
    calls: pushRing(s.calls, signed(fp, [t, fp.tool, fp.args]), CALL_STRIDE, MAX_RECENT_CALLS),
    rateBucket: rate.rateBucket,
    rateLow: rate.rateLow,
    rateHigh: rate.rateHigh,
  };
}

function privilegeOf(tool: ToolInfo | undefined): number {
  return tool === undefined ? -1 : VERB_PRIVILEGE[tool.verb];
}

function recordDenied(s: SessionState, t: number, tool: number, intent: number, args: number, sig: readonly number[]): SessionState {
  const entry = [t, tool, intent, args].concat(sig);
  return { ...s, deniedCalls: s.deniedCalls + 1, denied: pushRing(s.denied, entry, DENIED_STRIDE, MAX_DENIED) };
}

function onDecision(s: SessionState, e: DecisionMade, t: number): SessionState {
  const fp = fingerprintCall(e.proposal);
  switch (e.effect) {
    case 'allow':
    case 'modify': {
      const p = privilegeOf(e.tool);
      return p > s.maxPrivilege ? { ...s, maxPrivilege: p } : s;
    }
    case 'deny':
      return recordDenied(s, t, fp.tool, fp.intent, fp.args, fp.sig);
    case 'escalate': {
      const entry = signed(fp, [hashString(e.proposal.proposalId), privilegeOf(e.tool), fp.tool, fp.intent, fp.args]);
      return { ...s, pending: pushRing(s.pending, entry, PENDING_STRIDE, MAX_PENDING) };
    }
  }
}

function onApproval(s: SessionState, e: ApprovalResolved, t: number): SessionState {
  const id = hashString(e.proposalId);
  let at = -1;
  for (let i = 0; i < s.pending.length; i += PENDING_STRIDE) if (s.pending[i] === id) at = i;
  if (at < 0) return s;
  const entry = s.pending.slice(at, at + PENDING_STRIDE);
  const pending = s.pending.slice(0, at).concat(s.pending.slice(at + PENDING_STRIDE));
  const rest = { ...s, pending };
  if (e.approved) {
    const p = entry[1] as number;
    return p > rest.maxPrivilege ? { ...rest, maxPrivilege: p } : rest;
  }
  return recordDenied(rest, t, entry[2] as number, entry[3] as number, entry[4] as number, entry.slice(5));
}

function count(x: number | undefined): number {
  return x !== undefined && Number.isFinite(x) && x > 0 ? Math.floor(x) : 0;
}

/** Adds a result's per-label reads; labels beyond MAX_LABELS go to OVERFLOW_LABEL. Keys are taken in sorted order. */
function addReads(s: SessionState, r: ToolCallResult): SessionState {
  const keys = new Set([...Object.keys(r.recordsRead), ...Object.keys(r.bytesRead)]);
  if (keys.size === 0) return s;
  const labels = s.labels.slice();
  const reads = s.reads.slice();
  let changed = false;
  for (const raw of [...keys].sort()) {
    const nr = count(r.recordsRead[raw]);
    const nb = count(r.bytesRead[raw]);
    if (nr === 0 && nb === 0) continue;
    changed = true;
    let label = storedName(raw, MAX_LABEL_CHARS);
    let i = labels.indexOf(label);
    if (i < 0 && labels.length >= MAX_LABELS - 1 && label !== OVERFLOW_LABEL) {
      label = OVERFLOW_LABEL;
      i = labels.indexOf(label);
    }
    if (i < 0) {
      labels.push(label);
      reads.push(nr, nb);
    } else {
      reads[2 * i] = (reads[2 * i] as number) + nr;
      reads[2 * i + 1] = (reads[2 * i + 1] as number) + nb;
    }
  }
  if (!changed) return s;
  return labels.length === s.labels.length ? { ...s, reads } : { ...s, labels: compact(labels), reads: compact(reads) };
}

/** Untrusted sources carried by a result: its own markers, or the tool itself when its output is untrusted. */
function untrustedSourcesOf(r: ToolCallResult, tool: ToolInfo | undefined): readonly string[] {
  if (r.untrustedSources.length > 0) return r.untrustedSources;
  return tool?.untrustedOutput === true ? [`tool:${r.tool}`] : [];
}

function addTaint(s: SessionState, sources: readonly string[], t: number): SessionState {
  if (sources.length === 0) return s;
  const names = s.taintSources.slice();
  const at = s.taintAt.slice();
  let changed = false;
  for (const raw of sources) {
    let name = storedName(raw, MAX_SOURCE_CHARS);
    let i = names.indexOf(name);
    if (i < 0 && names.length >= MAX_TAINT_SOURCES - 1 && name !== OVERFLOW_SOURCE) {
      name = OVERFLOW_SOURCE;
      i = names.indexOf(name);
    }
    if (i < 0) {
      names.push(name);
      at.push(t);
      changed = true;
    } else if (t < (at[i] as number)) {
      at[i] = t;
      changed = true;
    }
  }
  return changed ? { ...s, taintSources: compact(names), taintAt: compact(at) } : s;
}

/** How one origin list keys its entries, finds a key, which entry it forgets when full, and which are untrusted. */
interface OriginList {
  readonly keyOf: (x: string) => number;
  readonly find: (list: readonly number[], key: number) => number;
  readonly cap: number;
  readonly victim: (list: readonly number[]) => number;
  /** The origin bits of an entry, and the origin that means "untrusted". */
  readonly originMask: number;
  readonly untrusted: number;
  /** Domain of this list's keys in the forgotten filter. */
  readonly domain: number;
}

/**
 * The entry to forget when a list is full: the oldest whose origin is `first`, else the oldest untrusted one, else
 * the oldest. Values forget trusted output first and the user's own words last, so a long listing cannot make the
 * user's words read as "unseen"; destinations forget trusted ones first (an untrusted one evicted goes to the filter).
 */
function victimPreferring(first: number, mask: number, untrusted: number): (list: readonly number[]) => number {
  return (list) => {
    let fallback = -1;
    for (let i = 0; i < list.length; i++) {
      const bits = (list[i] as number) & mask;
      if (bits === first) return i;
      if (bits === untrusted && fallback < 0) fallback = i;
    }
    return fallback < 0 ? 0 : fallback;
  };
}

const DESTINATION_LIST: OriginList = {
  keyOf: destinationKey, find: findDestination, cap: MAX_DESTINATIONS, victim: victimPreferring(0, 1, 1),
  originMask: 1, untrusted: 1, domain: FORGOTTEN_DESTINATION,
};
const VALUE_LIST: OriginList = {
  keyOf: valueKey, find: findValue, cap: MAX_VALUES, victim: victimPreferring(0, 3, VALUE_UNTRUSTED),
  originMask: 3, untrusted: VALUE_UNTRUSTED, domain: FORGOTTEN_VALUE,
};

/** An origin list after additions, and the forgotten filter after its evictions. */
interface Added {
  readonly list: readonly number[];
  readonly forgotten: readonly number[];
}

/**
 * Keys of things not seen before added to an origin list with their origin bits (first sighting wins, including a
 * sighting the list forgot as untrusted); past the cap the list's victim is forgotten: it then reads as "unseen",
 * or, if untrusted, goes into the forgotten filter. Returns undefined when nothing was new.
 */
function addKeys(known: readonly number[], forgotten: readonly number[], seen: readonly string[], how: OriginList, origin: number): Added | undefined {
  let list: number[] | undefined;
  let filter = forgotten;
  for (const x of seen) {
    const key = how.keyOf(x);
    if (how.find(list ?? known, key) >= 0) continue;
    list ??= known.slice();
    if (list.length >= how.cap) {
      const [evicted] = list.splice(how.victim(list), 1) as [number];
      if ((evicted & how.originMask) === how.untrusted) filter = forget(filter, evicted & ~how.originMask, how.domain);
    }
    list.push(key | (wasForgotten(filter, key, how.domain) ? how.untrusted : origin));
  }
  return list === undefined ? undefined : { list: compact(list), forgotten: filter };
}

/** Remembers destinations not seen before, with their origin (low bit: untrusted). */
function addDestinations(s: SessionState, seen: readonly string[], untrusted: boolean): SessionState {
  if (seen.length === 0) return s;
  const added = addKeys(s.destinations, s.forgotten, seen, DESTINATION_LIST, untrusted ? 1 : 0);
  return added === undefined ? s : { ...s, destinations: added.list, forgotten: added.forgotten };
}

/** Remembers named values not seen before, with their origin (VALUE_UNTRUSTED, VALUE_USER or 0). */
function addValues(s: SessionState, seen: readonly string[] | undefined, origin: number): SessionState {
  if (seen === undefined || seen.length === 0) return s;
  const added = addKeys(s.values, s.forgotten, seen, VALUE_LIST, origin);
  return added === undefined ? s : { ...s, values: added.list, forgotten: added.forgotten };
}

/** Books spend into the UTC day and month of `t`; spend from an earlier day or month than the current one is not added there. */
function addSpend(s: SessionState, cost: number, t: number): SessionState {
  if (!(cost > 0) || !Number.isFinite(cost)) return s;
  const d = dayIndex(t);
  const m = monthIndex(t);
  const spendDay = d > s.spendDay ? d : s.spendDay;
  const spentDay = d > s.spendDay ? cost : d === s.spendDay ? s.spentDay + cost : s.spentDay;
  const spendMonth = m > s.spendMonth ? m : s.spendMonth;
  const spentMonth = m > s.spendMonth ? cost : m === s.spendMonth ? s.spentMonth + cost : s.spentMonth;
  return { ...s, spendDay, spentDay, spendMonth, spentMonth };
}

function onResult(s: SessionState, e: ResultReported, t: number): SessionState {
  const r = e.result;
  const reported = Number.isFinite(r.cost) && r.cost > 0 ? r.cost : 0;
  if (r.outcome === 'skipped') return addSpend(s, reported, t);
  const sources = untrustedSourcesOf(r, e.tool);
  let next = addReads(s, r);
  next = addTaint(next, sources, t);
  next = addDestinations(next, r.destinationsSeen, sources.length > 0);
  next = addValues(next, r.valuesSeen, sources.length > 0 ? VALUE_UNTRUSTED : 0);
  return addSpend(next, reported > 0 ? reported : (e.tool?.cost ?? 0), t);
}

function onQuarantine(s: SessionState, e: QuarantineSignal): SessionState {
  const until = !e.active ? -1 : Number.isFinite(e.untilMs) && e.untilMs > 0 ? Math.floor(e.untilMs) : 0;
  return until === s.quarantineUntilMs ? s : { ...s, quarantineUntilMs: until };
}

function onTrustedInput(s: SessionState, e: TrustedInput): SessionState {
  return addValues(addDestinations(s, e.destinations, false), e.values, VALUE_USER);
}
