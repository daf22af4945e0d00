// What run.ts needs from each engine under test: decisions for the equivalence check and timings.
// In-process engines are PreparedEngines (run.ts asks decide(i) and times it); OPA runs in its own process
// and returns its decisions with its timings (OpaResult).

import type { Timing, TimingOptions } from './timing.ts';

export interface EngineResult {
  readonly engine: string;
  /** Version string of the engine, for the record. */
  readonly version: string;
  readonly timing: Timing;
}

export interface OpaResult extends EngineResult {
  /** allowed? for every case, in case order. */
  readonly decisions: readonly boolean[];
}
/** An in-process engine prepared for one policy and one list of cases: decide(i) decides case i. */
export interface PreparedEngine {
  readonly engine: string;
  readonly version: string;
  readonly decide: (i: number) => boolean;
}

export type { Timing, TimingOptions };
