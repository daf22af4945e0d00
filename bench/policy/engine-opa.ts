// Open Policy Agent, embedded: a small Go program (opa/main.go) prepares the Rego query once and times
// in-process evaluation; this module builds it (outside the repo) and exchanges one JSON request/reply with it.
// OPA is optional: without a Go toolchain the run reports OPA as unavailable and goes on.

import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpaResult, TimingOptions } from './engine.ts';
import { REGO_QUERY, regoInput, toRego } from './emit-rego.ts';
import type { BenchCase, PolicySpec } from './spec.ts';

const SOURCE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'opa');
const BUILD_DIR = join(homedir(), '.cache', 'arbiter', 'opa-bench');
const BINARY = join(BUILD_DIR, 'opa-policy-bench');

/** Builds the Go benchmark binary; returns its path, or why it could not be built. */
export function buildOpaBench(): { binary: string } | { unavailable: string } {
  mkdirSync(BUILD_DIR, { recursive: true });
  const build = spawnSync('go', ['build', '-o', BINARY, '.'], {
    cwd: SOURCE_DIR,
    env: { ...process.env, GOFLAGS: '-mod=mod' },
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (build.error !== undefined) return { unavailable: `go build could not run: ${build.error.message}` };
  if (build.status !== 0) return { unavailable: `go build failed (exit ${build.status}): ${build.stderr.trim().slice(0, 500)}` };
  return { binary: BINARY };
}

interface OpaReply {
  readonly decisions: boolean[];
  readonly samplesNs: number[];
  readonly batchMeansNs: number[];
  readonly timerNs: number[];
  readonly cpuMeansNs: number[];
  readonly opaVersion: string;
  readonly goVersion: string;
}

export function runOpa(binary: string, spec: PolicySpec, cases: readonly BenchCase[], opts: TimingOptions): OpaResult {
  const request = { module: toRego(spec), query: REGO_QUERY, inputs: cases.map(regoInput), ...opts };
  const run = spawnSync(binary, [], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 600_000 });
  if (run.error !== undefined) throw new Error(`OPA bench could not run: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`OPA bench failed (exit ${run.status}): ${run.stderr.trim().slice(0, 2000)}`);
  const reply = JSON.parse(run.stdout) as OpaReply;
  return {
    engine: 'opa',
    version: `opa ${reply.opaVersion} (${reply.goVersion})`,
    decisions: reply.decisions,
    timing: {
      samplesNs: Float64Array.from(reply.samplesNs),
      batchMeansNs: Float64Array.from(reply.batchMeansNs),
      timerNs: Float64Array.from(reply.timerNs),
      cpuMeansNs: Float64Array.from(reply.cpuMeansNs),
    },
  };
}
