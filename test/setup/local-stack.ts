// Drives deploy/local (the real servers without Docker) from the test harness: status, start, stop per server.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LOCAL_DIR, runLocalScript, type ScriptResult } from '../../processors/core/local-stack.ts';

export { LOCAL_DIR, type ScriptResult };

const run = promisify(execFile);

export type LocalServer = 'kafka' | 'registry';

const script = (name: string, arg: string, timeoutMs: number): Promise<ScriptResult> =>
  runLocalScript(name, arg === '' ? [] : [arg], timeoutMs);

/** True when a server already answers on its port (started by anyone): the harness will reuse it and not stop it. */
export async function isRunning(server: LocalServer): Promise<boolean> {
  return (await script(`${server}.sh`, 'status', 30_000)).ok;
}

export function startServer(server: LocalServer): Promise<ScriptResult> {
  return script(`${server}.sh`, 'start', 240_000);
}

export function stopServer(server: LocalServer): Promise<ScriptResult> {
  return script(`${server}.sh`, 'stop', 60_000);
}

/** Java, Maven artifacts and Debian packages; idempotent and fast when already done. */
export function ensurePrereqs(): Promise<ScriptResult> {
  return script('prereqs.sh', '', 900_000);
}

/** The Kafka release deploy/local runs (KAFKA_VERSION in deploy/local/lib.sh, overridable by env). */
export async function localKafkaVersion(): Promise<string> {
  const { stdout } = await run('bash', ['-c', `source ${JSON.stringify(join(LOCAL_DIR, 'lib.sh'))} && echo "$KAFKA_VERSION"`]);
  return stdout.trim();
}
