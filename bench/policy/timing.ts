// How a decision is timed in-process (Node side; the Go side in opa/main.go mirrors it).
//  - per call: every decision timed alone with process.hrtime.bigint(); includes the timer's own cost, which is
//    measured separately (timerNs) and reported, never subtracted. p50/p99 come from these samples.
//  - batched: the mean of `batch` consecutive decisions under one timer read, so the timer cost is amortised;
//    this is the honest figure for the mean when a decision costs about as much as reading the clock.
// Inputs are pre-built and cycled in order, so every engine sees the same proposals in the same order.

export interface TimingOptions {
  readonly warmup: number;
  readonly samples: number;
  readonly batch: number;
}

export interface Timing {
  readonly samplesNs: Float64Array;
  readonly batchMeansNs: Float64Array;
  readonly timerNs: Float64Array;
}

/** Keeps results observable so the JIT cannot drop a call whose result is unused. */
let sink = 0;
export const sinkValue = (): number => sink;

export function timeDecisions(decide: (i: number) => boolean, inputCount: number, opts: TimingOptions): Timing {
  if (inputCount <= 0 || opts.samples <= 0 || opts.batch <= 0) throw new Error('timeDecisions needs inputs, samples and batch > 0');
  for (let i = 0; i < opts.warmup; i++) if (decide(i % inputCount)) sink++;
  const samplesNs = new Float64Array(opts.samples);
  for (let i = 0; i < opts.samples; i++) {
    const start = process.hrtime.bigint();
    const allowed = decide(i % inputCount);
    samplesNs[i] = Number(process.hrtime.bigint() - start);
    if (allowed) sink++;
  }
  const batches = Math.floor(opts.samples / opts.batch);
  const batchMeansNs = new Float64Array(batches);
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let j = 0; j < opts.batch; j++) if (decide((b * opts.batch + j) % inputCount)) sink++;
    batchMeansNs[b] = Number(process.hrtime.bigint() - start) / opts.batch;
  }
  const timerNs = new Float64Array(1000);
  for (let i = 0; i < timerNs.length; i++) {
    const start = process.hrtime.bigint();
    timerNs[i] = Number(process.hrtime.bigint() - start);
  }
  return { samplesNs, batchMeansNs, timerNs };
}

/** Nearest-rank percentile (q in 0..1) of unsorted samples. */
export function percentile(samples: ArrayLike<number>, q: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export const median = (xs: ArrayLike<number>): number => percentile(xs, 0.5);
