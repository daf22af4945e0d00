// Start-up of an in-process pipeline (the demo, `arbiter eval --kafka`): the run's topics created with their
// configs, then a bundle signed with a key made for this run and its activation published on the compacted
// bundles topic (ensureTopicsAndPublishBundle); the verdict processor started and awaited until it is ready
// (startVerdictReady); and the whole start retried while the broker's group coordinator is still loading, as it is
// for several seconds after a restart of a broker with many groups (retryColdCoordinator).
import type { ApprovalsConnection } from '../approvals/connect.ts';
import { ArbiterError } from '../core/errors.ts';
import { Readiness } from '../core/health-server.ts';
import { generateSigningKeys, signBundle, type PolicySource } from '../policy/index.ts';
import { ensureArbiterTopics } from '../runtime/topics.ts';
import { startVerdictProcessor, type RunningVerdict, type VerdictConfig, type VerdictOverrides } from './index.ts';
import { activationOf } from './policy-engine.ts';

export async function ensureTopicsAndPublishBundle(
  conn: ApprovalsConnection, bundleName: string, sources: readonly PolicySource[], keyId: string, activatedBy: string,
): Promise<{ readonly publicKeyPem: string }> {
  const admin = await conn.transport.admin();
  try {
    await ensureArbiterTopics(admin, conn.topics);
  } finally {
    await admin.close();
  }
  const keys = generateSigningKeys();
  const signed = signBundle(bundleName, sources, keys.privateKeyPem, keyId);
  await conn.producer.send([{ topic: conn.topics.policyBundles.topic, key: signed.name,
    value: conn.serde.encode(conn.topics.policyBundles, activationOf(signed, activatedBy, Date.now())) }]);
  return { publicKeyPem: keys.publicKeyPem };
}

/** Broker errors meaning the group coordinator is loading or moving: retriable (the clients name them this way). */
const COLD_COORDINATOR = new Set(['COORDINATOR_LOAD_IN_PROGRESS', 'COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR']);
/** The same errors as the clients word them (kafkajs, @platformatic/kafka, librdkafka "Broker: ..."). */
const COLD_COORDINATOR_TEXT = /coordinator load in progress|coordinator is loading|coordinator (is )?not available|not (the correct )?coordinator\b/i;

/**
 * The cold-coordinator error found in `error` or in what it wraps (errors[], cause, originalError): its name when a
 * client gives one, else the words of its message; undefined for any other error. Pure.
 */
export function coldCoordinatorError(error: unknown): string | undefined {
  const found: { name?: string; text?: string } = {};
  const visit = (x: unknown, depth: number): void => {
    if (typeof x !== 'object' || x === null || depth > 6) return;
    const e = x as Record<string, unknown>;
    for (const field of ['apiId', 'type', 'code']) {
      const v = e[field];
      if (typeof v === 'string' && COLD_COORDINATOR.has(v)) found.name ??= v;
    }
    const text = typeof e['message'] === 'string' ? COLD_COORDINATOR_TEXT.exec(e['message']) : null;
    if (text !== null) found.text ??= text[0];
    for (const inner of [...(Array.isArray(e['errors']) ? e['errors'] : []), e['cause'], e['originalError']]) visit(inner, depth + 1);
  };
  visit(error, 0);
  return found.name ?? found.text;
}

export interface ColdCoordinatorRetry {
  /** Attempts in all (default 6). */
  readonly attempts?: number;
  /** First pause, ms, doubled after each attempt up to maxDelayMs (defaults 1 s and 8 s: 1+2+4+8+8 = 23 s of pauses). */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

/**
 * Runs `start` (which must clean up what it opened before throwing) and runs it again, after a growing pause, while
 * it fails with a cold-coordinator error; any other error is thrown at once. After the last attempt fails with one,
 * throws ARB_PIPELINE_COORDINATOR_UNAVAILABLE naming `groupId`.
 */
export async function retryColdCoordinator<T>(groupId: string, start: () => Promise<T>, o: ColdCoordinatorRetry = {}): Promise<T> {
  const attempts = o.attempts ?? 6;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let delay = o.firstDelayMs ?? 1_000;
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      const cold = coldCoordinatorError(error);
      if (cold === undefined) throw error;
      if (attempt >= attempts) {
        throw new ArbiterError('ARB_PIPELINE_COORDINATOR_UNAVAILABLE',
          `group ${groupId}: ${cold} on each of ${attempts} attempts over ${(waited / 1000).toFixed(1)} s of pauses; last error: ${String(error)}`, { key: groupId });
      }
      o.log?.('cold-coordinator-retry', { groupId, attempt, error: cold, retryInMs: delay });
      await sleep(delay);
      waited += delay;
      delay = Math.min(delay * 2, o.maxDelayMs ?? 8_000);
    }
  }
}

/**
 * Starts the verdict processor and waits until it is ready (every consumer assigned and restored, the bundle
 * active: the deployables' readiness conditions), so the pipeline never serves a fail-closed deny for want of a
 * bundle or a group join. Its consumer stopping meanwhile (e.g. a join refused by a loading coordinator) rejects
 * with that error; not ready within readyWithinMs rejects with ARB_PIPELINE_NOT_READY naming what it waits for.
 * Either way the processor is closed first.
 */
export async function startVerdictReady(config: VerdictConfig, overrides: Omit<VerdictOverrides, 'readiness'>, readyWithinMs: number): Promise<RunningVerdict> {
  const readiness = new Readiness();
  const verdict = await startVerdictProcessor(config, { ...overrides, readiness });
  let failure: unknown;
  let stopped = false;
  verdict.stopped.then(() => (stopped = true), (error: unknown) => { stopped = true; failure = error; });
  const until = performance.now() + readyWithinMs;
  for (;;) {
    const status = readiness.status();
    if (status.ready && !stopped) return verdict;
    if (stopped || performance.now() > until) {
      await verdict.close().catch(() => undefined);
      if (failure !== undefined) throw failure;
      const waiting = Object.entries(status.conditions).filter(([, s]) => s !== true).map(([name, s]) => `${name}: ${String(s)}`);
      throw new ArbiterError('ARB_PIPELINE_NOT_READY', stopped
        ? `verdict processor of group ${config.groupId} stopped while starting`
        : `verdict processor of group ${config.groupId} not ready within ${readyWithinMs} ms (${waiting.join('; ')})`, { key: config.groupId });
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
