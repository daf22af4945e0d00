// Trajectory benchmarks: evolve throughput (single thread), factsFor + evolve on the decide path, serde cost per
// state, serialized bytes and heap per session over a realistic mix (bench/trajectory/mix.ts), 1,000,000 sessions
// held in memory, and the time to restore 1,000,000 sessions from their serialized form. Every timing is reported
// as wall time and as this process's CPU time (user + system, all threads): on a shared, overloaded machine the CPU
// figure is the steadier one. Medians over runs, and ratios against an in-run baseline.
//
//   node bench/trajectory/run.ts [--sessions 1000000] [--throughput-sessions 20000] [--runs 5]
// Re-runs itself with --expose-gc and a large heap when started without them.

import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  EMPTY_STATE, type SessionEvent, type SessionState, deserializeState, evolve, factsFor, serializeState,
} from '../../processors/trajectory/index.ts';
import { sessionEvents } from './mix.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', ...process.execArgv, process.argv[1] as string, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const collect = gc as () => void;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const SESSIONS = arg('sessions', 1_000_000);
const TP_SESSIONS = arg('throughput-sessions', 20_000);
const RUNS = arg('runs', 5);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const heapUsed = () => { collect(); collect(); return process.memoryUsage().heapUsed; };
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

interface Timing { readonly wallMs: number; readonly cpuMs: number }
/** Runs f once; wall and process CPU time in ms. */
function timed<T>(f: () => T): { value: T; t: Timing } {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const value = f();
  const wallMs = performance.now() - w0;
  const c = process.cpuUsage(c0);
  return { value, t: { wallMs, cpuMs: (c.user + c.system) / 1000 } };
}

function generate(from: number, count: number): SessionEvent[][] {
  const out: SessionEvent[][] = [];
  for (let i = 0; i < count; i++) out.push(sessionEvents(from + i));
  return out;
}

/** Baseline: the floor cost of an immutable fold — one object copy per event, no logic. */
function foldCopyOnly(sessions: SessionEvent[][]): number {
  let sink = 0;
  for (const events of sessions) {
    let s: SessionState = EMPTY_STATE;
    for (const e of events) s = { ...s, lastMs: e.atMs };
    sink += s.lastMs;
  }
  return sink;
}
function foldAll(sessions: SessionEvent[][]): number {
  let sink = 0;
  for (const events of sessions) {
    let s: SessionState = EMPTY_STATE;
    for (const e of events) s = evolve(s, e);
    sink += s.steps;
  }
  return sink;
}
/** The decide path per proposal: factsFor on the current state, then the proposal/decision/result events. */
function decidePath(sessions: SessionEvent[][]): number {
  let sink = 0;
  for (const events of sessions) {
    let s: SessionState = EMPTY_STATE;
    for (const e of events) {
      if (e.kind === 'proposal') sink += factsFor(s, e.proposal, e.tool, e.atMs).stepCount;
      s = evolve(s, e);
    }
  }
  return sink;
}

const VARIANTS: ReadonlyArray<readonly [string, (sessions: SessionEvent[][]) => number]> = [
  ['baseline: copy-only fold', foldCopyOnly],
  ['evolve (all event kinds)', foldAll],
  ['decide path (factsFor + evolve)', decidePath],
];

/**
 * Each run times every variant on its own freshly generated copy of the same sessions (no fingerprint cache carried
 * over), variants interleaved in a rotating order so machine noise hits them alike. Run 0 is a warm-up.
 */
function throughput(): { wall: number[][]; cpu: number[][]; events: number } {
  const wall: number[][] = VARIANTS.map(() => []);
  const cpu: number[][] = VARIANTS.map(() => []);
  let events = 0;
  for (let run = 0; run <= RUNS; run++) {
    for (let k = 0; k < VARIANTS.length; k++) {
      const v = (k + run) % VARIANTS.length;
      const f = (VARIANTS[v] as (typeof VARIANTS)[number])[1];
      const sessions = generate(run * TP_SESSIONS, TP_SESSIONS);
      events = sessions.reduce((a, s) => a + s.length, 0);
      collect(); // start every timing with no garbage left from generation
      const { t } = timed(() => f(sessions));
      if (run > 0) {
        (wall[v] as number[]).push(events / (t.wallMs / 1000));
        (cpu[v] as number[]).push(events / (t.cpuMs / 1000));
      }
    }
  }
  return { wall, cpu, events };
}

console.log(`node ${process.version}; load average at start ${load()}; ${fmt(TP_SESSIONS)} sessions per throughput run, ${RUNS} runs after a warm-up`);
const tp = throughput();
VARIANTS.forEach(([label], v) => {
  const w = tp.wall[v] as number[];
  const c = tp.cpu[v] as number[];
  console.log(`${label.padEnd(32)} median ${fmt(median(w)).padStart(10)} events/s wall, ${fmt(median(c)).padStart(10)} events per CPU-second  (wall runs: ${w.map(fmt).join(', ')})`);
});
const [baseC, evC, dpC] = tp.cpu.map(median) as [number, number, number];
console.log(`events per session (mix): ${(tp.events / TP_SESSIONS).toFixed(1)}`);
console.log(`CPU-time ratios: evolve / baseline ${(evC / baseC).toFixed(2)}, decide path / evolve ${(dpC / evC).toFixed(2)}`);

// Serde per state with a small live heap (what the hot path pays per state change).
{
  const pool = generate(0, TP_SESSIONS).map((events) => {
    let s: SessionState = EMPTY_STATE;
    for (const e of events) s = evolve(s, e);
    return s;
  });
  const ser: Timing[] = [];
  const de: Timing[] = [];
  for (let run = 0; run <= RUNS; run++) {
    collect();
    const a = timed(() => pool.map((s) => serializeState(s)));
    collect();
    const b = timed(() => { for (const buf of a.value) deserializeState(buf); });
    if (run > 0) { ser.push(a.t); de.push(b.t); }
  }
  const us = (xs: Timing[], k: keyof Timing) => ((median(xs.map((x) => x[k])) * 1000) / pool.length).toFixed(2);
  console.log(`serializeState median ${us(ser, 'wallMs')} µs/state wall, ${us(ser, 'cpuMs')} µs CPU; deserializeState ${us(de, 'wallMs')} µs wall, ${us(de, 'cpuMs')} µs CPU (${fmt(TP_SESSIONS)} live states)`);
}

// 1,000,000 sessions: fold each from its events (events are dropped as we go), keep the final states.
const before = heapUsed();
const states = new Array<SessionState>(SESSIONS);
const build = timed(() => {
  let events = 0;
  for (let i = 0; i < SESSIONS; i++) {
    const list = sessionEvents(1_000_000_000 + i);
    events += list.length;
    let s: SessionState = EMPTY_STATE;
    for (const e of list) s = evolve(s, e);
    states[i] = s;
  }
  return events;
});
const foldedHeap = heapUsed() - before;
console.log(`built ${fmt(SESSIONS)} sessions (${fmt(build.value)} events, generation included) in ${(build.t.wallMs / 1000).toFixed(1)} s wall, ${(build.t.cpuMs / 1000).toFixed(1)} s CPU`);
console.log(`heap for ${fmt(SESSIONS)} folded sessions: ${(foldedHeap / 2 ** 20).toFixed(0)} MiB = ${fmt(foldedHeap / SESSIONS)} bytes/session`);

// Serialized form: sizes, and one contiguous changelog image for the restore measurement.
const ser = timed(() => states.map((s) => serializeState(s)));
const parts = ser.value;
const sizes = parts.map((b) => b.length).sort((a, b) => a - b);
const total = sizes.reduce((a, b) => a + b, 0);
const pct = (p: number) => sizes[Math.min(sizes.length - 1, Math.floor(sizes.length * p))] as number;
console.log(`serialized bytes/session: mean ${(total / SESSIONS).toFixed(0)}, p50 ${pct(0.5)}, p90 ${pct(0.9)}, p99 ${pct(0.99)}, max ${pct(1)}`);
console.log(`serialize ${fmt(SESSIONS)} sessions (all kept live): ${(ser.t.wallMs / 1000).toFixed(2)} s wall, ${(ser.t.cpuMs / 1000).toFixed(2)} s CPU`);
const image = Buffer.concat(parts);
const offsets = new Float64Array(SESSIONS + 1);
for (let i = 0, o = 0; i < SESSIONS; i++) { offsets[i] = o; o += (parts[i] as Buffer).length; offsets[i + 1] = o; }
parts.length = 0;
let mismatches = 0;
for (let i = 0; i < SESSIONS; i += 997) {
  if (!serializeState(deserializeState(image.subarray(offsets[i], offsets[i + 1]))).equals(serializeState(states[i] as SessionState))) mismatches++;
}
console.log(`restore check on every 997th session: ${mismatches} byte mismatches`);
states.fill(EMPTY_STATE);

// Restore 1,000,000 sessions from the image into memory (what a partition assignment does).
const restores: Timing[] = [];
let restoredHeap = 0;
for (let run = 0; run < 3; run++) {
  const h0 = heapUsed();
  const restored = new Array<SessionState>(SESSIONS);
  const r = timed(() => {
    for (let i = 0; i < SESSIONS; i++) restored[i] = deserializeState(image.subarray(offsets[i], offsets[i + 1]));
  });
  restores.push(r.t);
  restoredHeap = heapUsed() - h0;
  restored.fill(EMPTY_STATE);
}
const secs = (k: keyof Timing) => restores.map((x) => (x[k] / 1000).toFixed(2)).join(', ');
console.log(`restore ${fmt(SESSIONS)} sessions: median ${(median(restores.map((x) => x.wallMs)) / 1000).toFixed(2)} s wall (runs ${secs('wallMs')}), ${(median(restores.map((x) => x.cpuMs)) / 1000).toFixed(2)} s CPU (runs ${secs('cpuMs')})`);
console.log(`heap for ${fmt(SESSIONS)} restored sessions: ${(restoredHeap / 2 ** 20).toFixed(0)} MiB = ${fmt(restoredHeap / SESSIONS)} bytes/session`);
console.log(`load average at end ${load()}`);
