// How a decision is timed in-process (Node side; the Go side in opa/main.go mirrors it).
//  - per call: every decision timed alone with process.hrtime.bigint(); includes the timer's own cost, which is
//    measured separately (timerNs) and reported, never subtracted. p50/p99 come from these samples.
//  - per proposal: the median of each proposal's own per-call samples (samples cycle the inputs, so each has
//    samples / inputs of them); the p99 over proposals is the tail of the proposal mix with the machine's noise
//    (preemption, GC pauses landing on one call) filtered out.
//  - batched: the mean of `batch` consecutive decisions under one timer read (`batches` times), timer amortised;
//    this is the honest figure for the mean when a decision costs about as much as reading the clock.
//  - CPU: process CPU time (user + system, process.cpuUsage) over `cpuBatches` batches of `cpuBatch` decisions,
//    divided per decision. Time spent preempted does not count, so on a loaded shared machine this is the
//    steadiest figure for comparing engines; wall-clock tails of long calls are inflated by preemption.
// Inputs are pre-built and cycled in order, so every engine sees the same proposals in the same order.

export interface TimingOptions {
  readonly warmup: number;
  readonly samples: number;
  readonly batch: number;
  readonly batches: number;
  readonly cpuBatch: number;
  readonly cpuBatches: number;
}

export interface Timing {
  readonly samplesNs: Float64Array;
  readonly batchMeansNs: Float64Array;
  readonly timerNs: Float64Array;
  readonly cpuMeansNs: Float64Array;
}

/** Keeps results observable so the JIT cannot drop a call whose result is unused. */
let sink = 0;
export const sinkValue = (): number => sink;

export function timeDecisions(decide: (i: number) => boolean, inputCount: number, opts: TimingOptions): Timing {
  if (inputCount <= 0 || [opts.samples, opts.batch, opts.batches, opts.cpuBatch, opts.cpuBatches].some((x) => x <= 0)) {
    throw new Error('timeDecisions needs inputs, and samples, batch, batches, cpuBatch and cpuBatches > 0');
  }
  for (let i = 0; i < opts.warmup; i++) if (decide(i % inputCount)) sink++;
  const samplesNs = new Float64Array(opts.samples);
  for (let i = 0; i < opts.samples; i++) {
    const start = process.hrtime.bigint();
    const allowed = decide(i % inputCount);
    samplesNs[i] = Number(process.hrtime.bigint() - start);
    if (allowed) sink++;
  }
  const batchMeansNs = new Float64Array(opts.batches);
  for (let b = 0; b < opts.batches; b++) {
    const start = process.hrtime.bigint();
    for (let j = 0; j < opts.batch; j++) if (decide((b * opts.batch + j) % inputCount)) sink++;
    batchMeansNs[b] = Number(process.hrtime.bigint() - start) / opts.batch;
  }
  const cpuMeansNs = new Float64Array(opts.cpuBatches);
  for (let b = 0; b < opts.cpuBatches; b++) {
    const start = process.cpuUsage();
    for (let j = 0; j < opts.cpuBatch; j++) if (decide((b * opts.cpuBatch + j) % inputCount)) sink++;
    const used = process.cpuUsage(start);
    cpuMeansNs[b] = ((used.user + used.system) * 1000) / opts.cpuBatch;
  }
  const timerNs = new Float64Array(1000);
  for (let i = 0; i < timerNs.length; i++) {
    const start = process.hrtime.bigint();
    timerNs[i] = Number(process.hrtime.bigint() - start);
  }
  return { samplesNs, batchMeansNs, timerNs, cpuMeansNs };
}

/** Nearest-rank percentile (q in 0..1) of unsorted samples. */
export function percentile(samples: ArrayLike<number>, q: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export const median = (xs: ArrayLike<number>): number => percentile(xs, 0.5);

/** Each input's median over its samples, where sample i timed input i % inputCount. */
export function perInputMedians(samples: ArrayLike<number>, inputCount: number): Float64Array {
  if (samples.length < inputCount) throw new Error(`${samples.length} samples cannot cover ${inputCount} inputs`);
  const out = new Float64Array(inputCount);
  for (let k = 0; k < inputCount; k++) {
    const own: number[] = [];
    for (let i = k; i < samples.length; i += inputCount) own.push(samples[i] ?? Number.NaN);
    out[k] = median(own);
  }
  return out;
}
