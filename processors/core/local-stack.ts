// Runs the deploy/local scripts (Kafka and the registry as real servers without Docker: prereqs.sh, stack.sh,
// kafka.sh, registry.sh) from `make demo` and the test harness. A script's stdout and stderr come back together;
// a failure (non-zero exit, timeout) is a result with ok=false and the output, never an exception.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const LOCAL_DIR = join(REPO_ROOT, 'deploy', 'local');

export interface ScriptResult { readonly ok: boolean; readonly output: string }

/** bash deploy/local/<file> <args...>, from the repository root, with `env` (default this process's). */
export async function runLocalScript(file: string, args: readonly string[], timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env): Promise<ScriptResult> {
  try {
    const { stdout, stderr } = await exec('bash', [join(LOCAL_DIR, file), ...args], { cwd: REPO_ROOT, env, timeout: timeoutMs, maxBuffer: 8 << 20 });
    return { ok: true, output: `${stdout}${stderr}`.trim() };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}`.trim() || err.message };
  }
}
