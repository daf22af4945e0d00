// The life cycle every deployable (processors/bin/*) shares: one JSON log line per event, the health and metrics
// server (health-server.ts) up before anything connects, SIGTERM/SIGINT stop it cleanly (exit 0), and a consumer
// that stops on its own or fails makes the process exit 1 so a supervisor restarts it (state is restored on start).
// The health settings are validated first; the deployable's own settings inside `start`, before it connects.
import { healthConfigFromEnv, Readiness, serveHealth } from './health-server.ts';
import { MetricsRegistry } from './metrics.ts';

export type Log = (event: string, detail: Record<string, unknown>) => void;

/** What a deployable gets to start with. */
export interface DeployableContext {
  readonly log: Log;
  readonly metrics: MetricsRegistry;
  /** Add the deployable's own conditions (the condition "started" is added and set here). */
  readonly readiness: Readiness;
}

/** A started deployable: `stopped` settles when its consumers stop (close() or a failure). */
export interface Running {
  readonly stopped: Promise<unknown>;
  close(): Promise<void>;
}

export function jsonLog(component: string): Log {
  return (event, detail) => {
    process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), component, event, ...detail })}\n`);
  };
}

/** Runs a deployable until a signal (exit 0) or until its consumers stop (exit 1). */
export async function runDeployable(component: string, start: (ctx: DeployableContext) => Promise<Running>,
  env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const log = jsonLog(component);
  const health = healthConfigFromEnv(env);
  const metrics = new MetricsRegistry();
  const readiness = new Readiness();
  readiness.require('started', 'starting: connecting to Kafka and the schema registry');
  const server = await serveHealth(health, readiness, metrics);
  if (server !== undefined) log('health-server', { port: server.port, paths: ['/health/live', '/health/ready', '/metrics'] });

  let running: Running;
  try {
    running = await start({ log, metrics, readiness });
  } catch (error) {
    log('start-failed', { error: String(error), ...(typeof error === 'object' && error !== null && 'code' in error ? { code: error.code } : {}) });
    process.exit(1);
  }
  readiness.set('started', true);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('stopping', { signal });
    await running.close();
    await server?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  running.stopped.then(
    () => { if (!stopping) { log('consumer-stopped', {}); process.exit(1); } },
    (error: unknown) => { log('consumer-failed', { error: String(error) }); process.exit(1); },
  );
}
