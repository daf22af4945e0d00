// The health and metrics endpoint every deployable serves (processors/bin/*), on ARBITER_HEALTH_PORT:
//   GET /health/live   200 while the event loop is responsive; 503 for about a second after a stall longer than
//                      ARBITER_HEALTH_MAX_LOOP_DELAY_MS (a probe queued during the stall gets it). A loop blocked
//                      for good answers nothing, which the probe's own timeout catches.
//   GET /health/ready  200 when every readiness condition holds, else 503; the body names each condition and, for
//                      the ones that fail, why (e.g. "no policy bundle loaded", "restoring 3 partitions").
//   GET /metrics       the deployable's MetricsRegistry in Prometheus text format, plus arbiter_ready,
//                      arbiter_event_loop_delay_max_seconds and process_resident_memory_bytes.
// Settings are validated once at startup (healthConfigFromEnv). The server starts before the deployable connects,
// so an orchestrator sees "live, not ready" during startup and restore instead of a refused connection.
import Fastify, { type FastifyInstance } from 'fastify';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Env } from './config.ts';
import { ArbiterError } from './errors.ts';
import { PROMETHEUS_CONTENT_TYPE, type MetricsRegistry } from './metrics.ts';

export interface HealthConfig {
  /** ARBITER_HEALTH_PORT: the port (0 = any free one); unset or "off" = no server. ARBITER_METRICS_PORT is the
   *  older name of the same setting (read when ARBITER_HEALTH_PORT is unset). */
  readonly port: number | undefined;
  /** ARBITER_HEALTH_HOST: the address to bind (default 0.0.0.0: probes come from outside the container). */
  readonly host: string;
  /** ARBITER_HEALTH_MAX_LOOP_DELAY_MS: a loop stall longer than this fails /health/live (default 10000). */
  readonly maxLoopDelayMs: number;
}

function intSetting(env: Env, key: string, min: number, max: number): number | undefined {
  const raw = env[key]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `${key}="${raw}" must be an integer from ${min} to ${max}`, { key });
  }
  return n;
}

export function healthConfigFromEnv(env: Env): HealthConfig {
  const key = env['ARBITER_HEALTH_PORT'] !== undefined && env['ARBITER_HEALTH_PORT'] !== '' ? 'ARBITER_HEALTH_PORT' : 'ARBITER_METRICS_PORT';
  const port = env[key]?.trim() === 'off' ? undefined : intSetting(env, key, 0, 65_535);
  return {
    port,
    host: env['ARBITER_HEALTH_HOST']?.trim() || '0.0.0.0',
    maxLoopDelayMs: intSetting(env, 'ARBITER_HEALTH_MAX_LOOP_DELAY_MS', 1, 3_600_000) ?? 10_000,
  };
}

/** A condition holds (true) or says why it does not (a non-empty reason). Computed ones are asked on each probe. */
export type ConditionState = true | string;

/** The named conditions that make a deployable ready. Cheap to ask; no I/O. */
export class Readiness {
  readonly #conditions = new Map<string, () => ConditionState>();

  /** Adds a condition set from outside; it starts failing with `reason` until set(name, true). */
  require(name: string, reason: string): void {
    this.set(name, reason);
  }

  set(name: string, state: ConditionState): void {
    if (state === '') throw new Error(`readiness condition ${name}: a failing state needs a reason`);
    this.#conditions.set(name, () => state);
  }

  /** Adds a condition computed on each probe. */
  watch(name: string, state: () => ConditionState): void {
    this.#conditions.set(name, state);
  }

  status(): { readonly ready: boolean; readonly conditions: Readonly<Record<string, ConditionState>> } {
    const conditions: Record<string, ConditionState> = {};
    let ready = this.#conditions.size > 0;
    for (const [name, state] of this.#conditions) {
      const s = state();
      conditions[name] = s;
      if (s !== true) ready = false;
    }
    return { ready, conditions };
  }
}

export interface HealthServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** Watches the event loop: a timer due every `tickMs` measures how late it fires (a stall shows as the lateness of the
 *  first tick after it, which runs before any request queued during the stall is answered); Node's delay histogram
 *  gives the metric. */
class LoopWatch {
  readonly #histogram = monitorEventLoopDelay({ resolution: 20 });
  readonly #timer: NodeJS.Timeout;
  readonly #tickMs: number;
  #due: number;
  #lastLateMs = 0;
  #lastMaxMs = 0;

  constructor(tickMs: number) {
    this.#tickMs = tickMs;
    this.#due = performance.now() + tickMs;
    this.#histogram.enable();
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.#lastLateMs = Math.max(0, now - this.#due);
      this.#due = now + tickMs;
      this.#lastMaxMs = this.#histogram.max / 1e6;
      this.#histogram.reset();
    }, tickMs);
    this.#timer.unref();
  }

  /** How late the loop is, ms: the last tick's lateness, or how overdue the next tick is. */
  lateMs(): number {
    return Math.max(this.#lastLateMs, performance.now() - this.#due);
  }

  maxDelaySeconds(): number {
    return Math.max(this.#lastMaxMs, this.#histogram.max / 1e6) / 1000;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }
}

const TICK_MS = 1_000;

/** Starts the server; resolves once it listens. */
export async function startHealthServer(config: HealthConfig & { readonly port: number }, readiness: Readiness,
  metrics: MetricsRegistry): Promise<HealthServer> {
  const loop = new LoopWatch(TICK_MS);
  const ready = metrics.gauge('arbiter_ready', '1 when /health/ready answers 200, else 0.');
  const loopDelay = metrics.gauge('arbiter_event_loop_delay_max_seconds', 'Longest event loop delay in the last second.');
  const rss = metrics.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.');
  const app: FastifyInstance = Fastify({ logger: false });
  app.get('/health/live', async (_req, reply) => {
    const stalledMs = loop.lateMs();
    const live = stalledMs <= config.maxLoopDelayMs;
    return reply.code(live ? 200 : 503).send({
      live, eventLoopDelayMaxMs: Math.round(loop.maxDelaySeconds() * 1000), ...(live ? {} : { stalledMs: Math.round(stalledMs) }),
    });
  });
  app.get('/health/ready', async (_req, reply) => {
    const s = readiness.status();
    return reply.code(s.ready ? 200 : 503).send(s);
  });
  app.get('/metrics', async (_req, reply) => {
    ready.set(undefined, readiness.status().ready ? 1 : 0);
    loopDelay.set(undefined, loop.maxDelaySeconds());
    rss.set(undefined, process.memoryUsage.rss());
    return reply.header('Content-Type', PROMETHEUS_CONTENT_TYPE).send(metrics.render());
  });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    loop.stop();
    throw new ArbiterError('ARB_CONFIG_INVALID', `health server cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`, { key: 'ARBITER_HEALTH_PORT' });
  }
  const address = app.server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : config.port,
    async close() {
      loop.stop();
      await app.close();
    },
  };
}

/** startHealthServer when a port is configured, else nothing (the deployable still tracks its readiness). */
export async function serveHealth(config: HealthConfig, readiness: Readiness, metrics: MetricsRegistry): Promise<HealthServer | undefined> {
  return config.port === undefined ? undefined : startHealthServer({ ...config, port: config.port }, readiness, metrics);
}
