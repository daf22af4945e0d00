// Canonical binary form of a SessionState, for the compacted session-state changelog. Deterministic: equal states
// give equal bytes, and deserializeState(serializeState(s)) rebuilds a state that serializes to the same bytes and
// evolves exactly like `s`. Layout (all integers LEB128 varints unless noted; "z" = zigzag for signed deltas):
//   u8 STATE_FORMAT, sections bitmask, lastMs, steps, taintedCalls, deniedCalls,
//   deniedRetries, outsideIntentCalls, maxPrivilege + 1, then each non-empty section in bit order:
//   LABELS n × (utf8 label, records, bytes) | TAINT n × (utf8 source, z(at - last))
//   DESTINATIONS n × i32 | CALLS n × (z(at - last), i32 × rest) | DENIED likewise | PENDING n × i32 × stride
//   RATE bucket, rateLow, rateHigh | SPEND day, f64 spentDay, month, f64 spentMonth | QUARANTINE untilMs (≥ 0)
//   | SEQS n × (i32 streamHash, highest, mask) | VALUES n × i32 | FORGOTTEN n × i32 (n = FORGOTTEN_BLOOM_WORDS)
// i32 and f64 are little-endian fixed width. Strings are length-prefixed UTF-8.

import { ArbiterError } from '../core/errors.ts';
import {
  FORGOTTEN_BLOOM_WORDS, MAX_DENIED, MAX_DESTINATIONS, MAX_EVENT_STREAMS, MAX_LABEL_CHARS, MAX_LABELS, MAX_PENDING, MAX_RECENT_CALLS,
  MAX_SOURCE_CHARS, MAX_TAINT_SOURCES, MAX_VALUES, SEQ_WINDOW,
} from './limits.ts';
import { SEQ_STRIDE } from './sequence.ts';
import { intern } from './names.ts';
import { CALL_STRIDE, DENIED_STRIDE, EMPTY_STATE, PENDING_STRIDE, type SessionState } from './state.ts';

export const STATE_FORMAT = 1;

const S_LABELS = 1, S_TAINT = 2, S_DEST = 4, S_CALLS = 8, S_DENIED = 16, S_PENDING = 32, S_RATE = 64, S_SPEND = 128,
  S_QUARANTINE = 256, S_SEQS = 512, S_VALUES = 1024, S_FORGOTTEN = 2048;
const ALL_SECTIONS = 4095;

// Arrays are allocated at their exact length (no spare push() capacity in stored states).
// One scratch buffer for writing; a state is bounded by the caps to well under its size.
const scratch = Buffer.allocUnsafe(64 * 1024);
let pos = 0;

function u(n: number): void {
  while (n >= 128) {
    scratch[pos++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  scratch[pos++] = n;
}
function z(n: number): void {
  u(n >= 0 ? n * 2 : -n * 2 - 1);
}
function i32(n: number): void {
  pos = scratch.writeInt32LE(n, pos);
}
function f64(n: number): void {
  pos = scratch.writeDoubleLE(n, pos);
}
function str(s: string): void {
  const len = Buffer.byteLength(s, 'utf8');
  u(len);
  pos += scratch.write(s, pos, len, 'utf8');
}
/** A ring of fixed-stride entries whose first element is a time, written relative to `base`. */
function timedRing(ring: readonly number[], stride: number, base: number): void {
  u(ring.length / stride);
  for (let i = 0; i < ring.length; i += stride) {
    z((ring[i] as number) - base);
    for (let j = 1; j < stride; j++) i32(ring[i + j] as number);
  }
}

function sectionsOf(s: SessionState): number {
  return (s.labels.length > 0 ? S_LABELS : 0) | (s.taintSources.length > 0 ? S_TAINT : 0)
    | (s.destinations.length > 0 ? S_DEST : 0) | (s.calls.length > 0 ? S_CALLS : 0)
    | (s.denied.length > 0 ? S_DENIED : 0) | (s.pending.length > 0 ? S_PENDING : 0)
    | (s.rateBucket !== 0 || s.rateLow !== 0 || s.rateHigh !== 0 ? S_RATE : 0) | (s.spendDay !== 0 || s.spendMonth !== 0 ? S_SPEND : 0)
    | (s.quarantineUntilMs >= 0 ? S_QUARANTINE : 0) | (s.eventSeqs.length > 0 ? S_SEQS : 0)
    | (s.values.length > 0 ? S_VALUES : 0) | (s.forgotten.length > 0 ? S_FORGOTTEN : 0);
}

export function serializeState(s: SessionState): Buffer {
  pos = 0;
  const base = s.lastMs;
  const sections = sectionsOf(s);
  scratch[pos++] = STATE_FORMAT;
  u(sections);
  u(base);
  u(s.steps); u(s.taintedCalls); u(s.deniedCalls); u(s.deniedRetries); u(s.outsideIntentCalls);
  u(s.maxPrivilege + 1);
  if (sections & S_LABELS) {
    u(s.labels.length);
    for (let i = 0; i < s.labels.length; i++) {
      str(s.labels[i] as string); u(s.reads[2 * i] as number); u(s.reads[2 * i + 1] as number);
    }
  }
  if (sections & S_TAINT) {
    u(s.taintSources.length);
    for (let i = 0; i < s.taintSources.length; i++) {
      str(s.taintSources[i] as string); z((s.taintAt[i] as number) - base);
    }
  }
  if (sections & S_DEST) {
    u(s.destinations.length);
    for (const d of s.destinations) i32(d);
  }
  if (sections & S_CALLS) timedRing(s.calls, CALL_STRIDE, base);
  if (sections & S_DENIED) timedRing(s.denied, DENIED_STRIDE, base);
  if (sections & S_PENDING) {
    u(s.pending.length / PENDING_STRIDE);
    for (const x of s.pending) i32(x);
  }
  if (sections & S_RATE) {
    u(s.rateBucket); u(s.rateLow); u(s.rateHigh);
  }
  if (sections & S_SPEND) {
    u(s.spendDay); f64(s.spentDay); u(s.spendMonth); f64(s.spentMonth);
  }
  if (sections & S_QUARANTINE) {
    u(s.quarantineUntilMs);
  }
  if (sections & S_SEQS) {
    u(s.eventSeqs.length / SEQ_STRIDE);
    for (let i = 0; i < s.eventSeqs.length; i += SEQ_STRIDE) {
      i32(s.eventSeqs[i] as number); u(s.eventSeqs[i + 1] as number); u(s.eventSeqs[i + 2] as number);
    }
  }
  if (sections & S_VALUES) {
    u(s.values.length);
    for (const v of s.values) i32(v);
  }
  if (sections & S_FORGOTTEN) {
    u(s.forgotten.length);
    for (const w of s.forgotten) i32(w);
  }
  const out = Buffer.allocUnsafe(pos);
  scratch.copy(out, 0, 0, pos);
  return out;
}

// Reader state for one deserializeState call (module level, like the writer: no closures per call).
let rb: Buffer = scratch;
let ra = 0;
let rwhere = '';

function fail(what: string): never {
  throw new ArbiterError('ARB_TRAJECTORY_STATE_CORRUPT', `session state ${what}`, { key: `${rwhere} byte ${ra}` });
}
function byte(): number {
  return ra < rb.length ? rb[ra++] as number : fail('is truncated');
}
function ru(): number {
  let n = 0;
  let scale = 1;
  for (;;) {
    const b = byte();
    n += (b & 127) * scale;
    if (b < 128) return n;
    scale *= 128;
    if (scale > 2 ** 56) fail('has an over-long varint');
  }
}
function rz(): number {
  const n = ru();
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}
function ri32(): number {
  if (ra + 4 > rb.length) fail('is truncated');
  const v = rb.readInt32LE(ra);
  ra += 4;
  return v;
}
function rf64(): number {
  if (ra + 8 > rb.length) fail('is truncated');
  const v = rb.readDoubleLE(ra);
  ra += 8;
  return v;
}
function rstr(maxChars: number): string {
  const len = ru();
  if (len > maxChars * 3 || ra + len > rb.length) fail('has a string longer than its cap or the buffer');
  const s = intern(rb.toString('utf8', ra, ra + len));
  ra += len;
  return s;
}
function count(cap: number, what: string): number {
  const n = ru();
  if (n > cap) fail(`holds ${n} ${what}, more than the cap ${cap}`);
  return n;
}
function rring(stride: number, cap: number, what: string, base: number): number[] {
  const n = count(cap, what);
  const out = new Array<number>(n * stride);
  for (let i = 0; i < n * stride; i += stride) {
    out[i] = base + rz();
    for (let j = 1; j < stride; j++) out[i + j] = ri32();
  }
  return out;
}

/** Reads a state written by serializeState. `where` (the session key) goes into error locations. */
export function deserializeState(buf: Uint8Array, where = 'session-state'): SessionState {
  rb = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  ra = 0;
  rwhere = where;
  try {
    return readState();
  } finally {
    rb = scratch; // do not keep the caller's buffer alive
  }
}

function readState(): SessionState {
  const format = byte();
  if (format !== STATE_FORMAT) {
    throw new ArbiterError('ARB_TRAJECTORY_STATE_VERSION', `session state format ${format} is not ${STATE_FORMAT}`, { key: `${rwhere} byte 0` });
  }
  const sections = ru();
  if ((sections & ~ALL_SECTIONS) !== 0) fail(`has unknown sections (bitmask ${sections})`);
  const lastMs = ru();
  const steps = ru(), taintedCalls = ru(), deniedCalls = ru(), deniedRetries = ru(), outsideIntentCalls = ru();
  const maxPrivilege = ru() - 1;
  const e = EMPTY_STATE;
  let labels = e.labels, reads = e.reads;
  let taintSources = e.taintSources, taintAt = e.taintAt;
  let destinations = e.destinations, calls = e.calls, denied = e.denied, pending = e.pending;
  let rateBucket = e.rateBucket, rateLow = e.rateLow, rateHigh = e.rateHigh;
  let spendDay = e.spendDay, spentDay = e.spentDay, spendMonth = e.spendMonth, spentMonth = e.spentMonth;
  let quarantineUntilMs = e.quarantineUntilMs;
  let eventSeqs = e.eventSeqs;
  let values = e.values;
  let forgotten = e.forgotten;
  if (sections & S_LABELS) {
    const n = count(MAX_LABELS, 'labels');
    const l = new Array<string>(n), r = new Array<number>(2 * n);
    for (let i = 0; i < n; i++) {
      l[i] = rstr(MAX_LABEL_CHARS); r[2 * i] = ru(); r[2 * i + 1] = ru();
    }
    labels = l; reads = r;
  }
  if (sections & S_TAINT) {
    const n = count(MAX_TAINT_SOURCES, 'taint sources');
    const names = new Array<string>(n), times = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      names[i] = rstr(MAX_SOURCE_CHARS); times[i] = lastMs + rz();
    }
    taintSources = names; taintAt = times;
  }
  if (sections & S_DEST) {
    const n = count(MAX_DESTINATIONS, 'destinations');
    const d = new Array<number>(n);
    for (let i = 0; i < n; i++) d[i] = ri32();
    destinations = d;
  }
  if (sections & S_CALLS) calls = rring(CALL_STRIDE, MAX_RECENT_CALLS, 'recent calls', lastMs);
  if (sections & S_DENIED) denied = rring(DENIED_STRIDE, MAX_DENIED, 'denied calls', lastMs);
  if (sections & S_PENDING) {
    const n = count(MAX_PENDING, 'pending approvals');
    const p = new Array<number>(n * PENDING_STRIDE);
    for (let i = 0; i < n * PENDING_STRIDE; i++) p[i] = ri32();
    pending = p;
  }
  if (sections & S_RATE) {
    rateBucket = ru(); rateLow = ru(); rateHigh = ru();
    if (rateLow >= 2 ** 30 || rateHigh >= 2 ** 30) fail('has rate counters wider than 30 bits');
  }
  if (sections & S_SPEND) {
    spendDay = ru(); spentDay = rf64(); spendMonth = ru(); spentMonth = rf64();
  }
  if (sections & S_QUARANTINE) {
    quarantineUntilMs = ru();
  }
  if (sections & S_SEQS) {
    const n = count(MAX_EVENT_STREAMS, 'event streams');
    const q = new Array<number>(n * SEQ_STRIDE);
    for (let i = 0; i < n * SEQ_STRIDE; i += SEQ_STRIDE) {
      q[i] = ri32(); q[i + 1] = ru(); q[i + 2] = ru();
      if ((q[i + 2] as number) >= 2 ** SEQ_WINDOW) fail('has a sequence window wider than its mask');
    }
    eventSeqs = q;
  }
  if (sections & S_VALUES) {
    const n = count(MAX_VALUES, 'named values');
    const v = new Array<number>(n);
    for (let i = 0; i < n; i++) v[i] = ri32();
    values = v;
  }
  if (sections & S_FORGOTTEN) {
    const n = ru();
    if (n !== FORGOTTEN_BLOOM_WORDS) fail(`has a forgotten filter of ${n} words, not ${FORGOTTEN_BLOOM_WORDS}`);
    const w = new Array<number>(n);
    for (let i = 0; i < n; i++) w[i] = ri32();
    forgotten = w;
  }
  if (ra !== rb.length) fail(`has ${rb.length - ra} trailing bytes`);
  // Same property order as EMPTY_STATE, so restored and folded states share one hidden class.
  return {
    lastMs, steps, taintedCalls, deniedCalls, deniedRetries, outsideIntentCalls, maxPrivilege,
    labels, reads, taintSources, taintAt, destinations, values, forgotten, calls, denied, pending,
    rateBucket, rateLow, rateHigh, spendDay, spentDay, spendMonth, spentMonth, quarantineUntilMs, eventSeqs,
  };
}
