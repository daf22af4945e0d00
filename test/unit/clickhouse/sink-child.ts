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
  readonly commits: number;
  /** Rows this run inserted (acknowledged), committed or not. */
  readonly inserted: number;
  readonly out: string;
}

export function runSinkChild(script: string, args: readonly string[], env: NodeJS.ProcessEnv, kill: Kill): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...env, ARBITER_CRASH_BEFORE_COMMIT: kill.kind === 'before-commit' ? String(kill.atInsert) : '0' },
    });
    let out = '';
    let commits = 0;
    child.stdout.on('data', (d) => {
      out += String(d);
      const n = (String(d).match(/^COMMIT /gm) ?? []).length;
      commits += n;
      if (kill.kind === 'external' && n > 0 && commits >= kill.afterCommits) setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
    });
    child.stderr.on('data', (d) => (out += String(d)));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const inserted = [...out.matchAll(/^INSERTED (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      resolve({ done: code === 0 && out.includes('DONE'), killed: signal === 'SIGKILL', commits, inserted, out });
    });
  });
}

/** Runs the plan (stopping early if a child finishes), then one child to completion. */
export async function runKillPlan(
  run: (kill: Kill) => Promise<ChildRun>,
  plan: readonly Kill[],
  describe: (kill: Kill, r: ChildRun) => string = (k, r) => `${JSON.stringify(k)}: ${r.killed ? 'killed' : 'exited'} after ${r.commits} commits`,
): Promise<{ kills: number; inserted: number; log: string[]; last: ChildRun }> {
  let kills = 0;
  let inserted = 0;
  const log: string[] = [];
  for (const k of plan) {
    const r = await run(k);
    inserted += r.inserted;
    log.push(describe(k, r));
    if (r.killed) kills++;
    if (r.done) break;
    if (!r.killed) throw new Error(`child failed: ${r.out}`);
  }
  const last = await run({ kind: 'none' });
  inserted += last.inserted;
  return { kills, inserted, log, last };
}
