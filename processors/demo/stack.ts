// The servers the demo needs, from deploy/local (no Docker): prerequisites (Java, Kafka and Apicurio jars), then
// each of Kafka and the registry is reused when it already answers, or started — and only those the demo started
// are stopped at the end. KAFKA_BROKERS and SCHEMA_REGISTRY_URL in the environment skip all of this.
import { ArbiterError } from '../core/errors.ts';
import { runLocalScript, type ScriptResult } from '../core/local-stack.ts';
import { parseBrokers } from '../runtime/transport/brokers.ts';

const SERVERS = ['kafka', 'registry'] as const;
type Server = (typeof SERVERS)[number];

export interface DemoStack {
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  /** Servers this run started (and will stop). */
  readonly started: readonly Server[];
  stop(): Promise<void>;
}

/** Runs a deploy/local script; `only` limits deploy/local/stack.sh to one server (ARBITER_STACK_SERVERS). */
function script(file: string, args: readonly string[], timeoutMs: number, only?: Server): Promise<ScriptResult> {
  return runLocalScript(file, args, timeoutMs, only === undefined ? process.env : { ...process.env, ARBITER_STACK_SERVERS: only });
}

export async function ensureStack(say: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<DemoStack> {
  if (env['KAFKA_BROKERS'] && env['SCHEMA_REGISTRY_URL']) {
    say(`using the servers from the environment: Kafka ${env['KAFKA_BROKERS']}, registry ${env['SCHEMA_REGISTRY_URL']}`);
    return { brokers: parseBrokers(env['KAFKA_BROKERS']), registryUrl: env['SCHEMA_REGISTRY_URL'], started: [], stop: async () => undefined };
  }
  say('checking prerequisites (deploy/local/prereqs.sh; the first run downloads Kafka and Apicurio from Maven Central)');
  const prereqs = await script('prereqs.sh', [], 1_800_000);
  if (!prereqs.ok) throw new ArbiterError('ARB_DEMO_FAILED', `deploy/local/prereqs.sh failed:\n${prereqs.output}`);
  const started: Server[] = [];
  const stop = async (): Promise<void> => {
    for (const s of [...started].reverse()) {
      const r = await script('stack.sh', ['stop'], 120_000, s);
      say(r.ok ? `${s}: stopped (the demo started it)` : `${s}: stop failed: ${r.output}`);
    }
  };
  try {
    for (const s of SERVERS) {
      if ((await script('stack.sh', ['status'], 30_000, s)).ok) {
        say(`${s}: already running, reused (left running)`);
        continue;
      }
      say(`${s}: starting (ARBITER_STACK_SERVERS=${s} deploy/local/stack.sh start)`);
      const r = await script('stack.sh', ['start'], 300_000, s);
      if (!r.ok) throw new ArbiterError('ARB_DEMO_FAILED', `deploy/local/stack.sh start (${s}) failed:\n${r.output}`);
      started.push(s);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const kafkaPort = env['KAFKA_PORT'] ?? '9092';
  const registryPort = env['REGISTRY_PORT'] ?? '8081';
  return { brokers: [`localhost:${kafkaPort}`], registryUrl: `http://localhost:${registryPort}/apis/ccompat/v7`, started, stop };
}
