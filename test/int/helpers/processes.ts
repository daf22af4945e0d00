// Child processes for the crash, recovery and health tests: a deployable started exactly as deployed
// (processors/bin/<name>.ts, settings from the environment), so a SIGKILL is a real crash of a real process.
// `ready` settles on the processor's "started" log line; its stdout/stderr lines are kept (the last ones are
// shown when something goes wrong).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const BIN_DIR = join(import.meta.dirname, '..', '..', '..', 'processors', 'bin');
const KEPT_LINES = 200;

export interface ChildProcessor {
  readonly child: ChildProcess;
  /** Settles once the processor logged "started" (consuming); rejects if it exits first or takes longer than startMs. */
  readonly ready: Promise<void>;
  /** Settles with the exit code (or signal) when the process ends. */
  readonly exited: Promise<string>;
  /** The last output lines, for diagnostics. */
  tail(): string;
  /** SIGKILL: no shutdown hook runs, nothing is flushed; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful close), SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export function startVerdictChild(env: Readonly<Record<string, string>>, label: string, startMs = 90_000): ChildProcessor {
  return startDeployableChild('verdict', env, label, startMs);
}

/** processors/bin/<bin>.ts as a child process. */
export function startDeployableChild(bin: string, env: Readonly<Record<string, string>>, label: string, startMs = 90_000): ChildProcessor {
  const child = spawn(process.execPath, [join(BIN_DIR, `${bin}.ts`)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > KEPT_LINES) lines.shift();
  };
  let markReady!: () => void;
  let markFailed!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? String(code))));
  const onLines = (stream: NodeJS.ReadableStream | null, prefix: string) => {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        keep(`${prefix}${line}`);
        if (line.includes('"event":"started"')) markReady();
      }
    });
  };
  onLines(child.stdout, '');
  onLines(child.stderr, 'stderr: ');
  const tail = () => `--- ${label} (pid ${child.pid}) last output ---\n${lines.slice(-40).join('\n')}`;
  void exited.then((how) => markFailed(new Error(`${label} exited (${how}) before it started\n${tail()}`)));
  const timer = setTimeout(() => markFailed(new Error(`${label} did not start within ${startMs} ms\n${tail()}`)), startMs);
  void ready.finally(() => clearTimeout(timer)).catch(() => undefined);
  ready.catch(() => undefined);

  const gone = async () => {
    if (child.exitCode === null && child.signalCode === null) await exited;
  };
  return {
    child, ready, exited, tail,
    async kill() {
      child.kill('SIGKILL');
      await gone();
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone();
      clearTimeout(timer);
    },
  };
}
