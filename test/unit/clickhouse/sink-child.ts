// Runs one sink child process of the crash tests and kills it as planned. Both children
// (bench/clickhouse-sink/crash-child.ts and kafka-sink-child.ts) speak the same protocol on stdout:
// INSERTED <rows> after an acknowledged insert, COMMIT … after its commit, DONE when everything is committed;
// ARBITER_CRASH_BEFORE_COMMIT=n makes a child SIGKILL itself at its n-th acknowledged insert, before the commit.
import { spawn } from 'node:child_process';

export type Kill =
  /** SIGKILL from outside `delayMs` after the child's `afterCommits`-th commit of this run (lands in the next batch). */
  | { readonly kind: 'external'; readonly afterCommits: number; readonly delayMs: number }
  /** The child SIGKILLs itself between its `atInsert`-th acknowledged insert and that insert's commit. */
  | { readonly kind: 'before-commit'; readonly atInsert: number }
  | { readonly kind: 'none' };

export interface ChildRun {
  readonly done: boolean;
  readonly killed: boolean;
  /** Killed by the watchdog after STALL_MS without progress (a supervisor's liveness restart), not by the plan. */
  readonly stalled: boolean;
  readonly commits: number;
  /** Rows this run inserted (acknowledged), committed or not. */
  readonly inserted: number;
  readonly out: string;
}

/**
 * A child that prints nothing for this long is SIGKILLed and replaced, as a liveness probe would: under CPU
 * starvation the Kafka client has been seen to sit in a group rebalance without ever getting its partitions back.
 * Each such restart is reported (ChildRun.stalled, the plan's log), never hidden.
 */
export const STALL_MS = 120_000;

export function runSinkChild(script: string, args: readonly string[], env: NodeJS.ProcessEnv, kill: Kill): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...env, ARBITER_CRASH_BEFORE_COMMIT: kill.kind === 'before-commit' ? String(kill.atInsert) : '0' },
    });
    let out = '';
    let commits = 0;
    let stalled = false;
    const stall = (): void => { stalled = true; child.kill('SIGKILL'); };
    let watchdog = setTimeout(stall, STALL_MS);
    const progress = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(stall, STALL_MS);
    };
    child.stdout.on('data', (d) => {
      progress();
      out += String(d);
      const n = (String(d).match(/^COMMIT /gm) ?? []).length;
      commits += n;
      if (kill.kind === 'external' && n > 0 && commits >= kill.afterCommits) setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
    });
    child.stderr.on('data', (d) => (out += String(d)));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      const inserted = [...out.matchAll(/^INSERTED (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      resolve({ done: code === 0 && out.includes('DONE'), killed: signal === 'SIGKILL' && !stalled, stalled, commits, inserted, out });
    });
  });
}

/** Runs the plan (stopping early if a child finishes), then one child to completion. */
export async function runKillPlan(
  run: (kill: Kill) => Promise<ChildRun>,
  plan: readonly Kill[],
  describe: (kill: Kill, r: ChildRun) => string = (k, r) => `${JSON.stringify(k)}: ${r.stalled ? `restarted after ${STALL_MS} ms without progress` : r.killed ? 'killed' : 'exited'} after ${r.commits} commits`,
): Promise<{ kills: number; stalls: number; inserted: number; log: string[]; last: ChildRun }> {
  let kills = 0;
  let stalls = 0;
  let inserted = 0;
  const log: string[] = [];
  const MAX_STALLS = 3;
  const runOnce = async (k: Kill): Promise<ChildRun> => {
    for (;;) {
      const r = await run(k);
      inserted += r.inserted;
      log.push(describe(k, r));
      if (!r.stalled) return r;
      if (++stalls > MAX_STALLS) throw new Error(`child stalled ${stalls} times without progress; last output: ${r.out}`);
    }
  };
  for (const k of plan) {
    const r = await runOnce(k);
    if (r.killed) kills++;
    if (r.done) break;
    if (!r.killed) throw new Error(`child failed: ${r.out}`);
  }
  const last = await runOnce({ kind: 'none' });
  return { kills, stalls, inserted, log, last };
}
