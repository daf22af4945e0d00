// Verdict processor settings, validated once at startup from the environment. Each setting's doc is next to it;
// the ones every processor shares (endpoints, topics, instance, restore) are in processors/core/processor-config.ts.
// Health and metrics (ARBITER_HEALTH_PORT) are processors/core/health-server.ts's.
import type { Env } from '../core/config.ts';
import { ArbiterError } from '../core/errors.ts';
import { booleanSetting, positiveInt, processorSettingsFromEnv, type ProcessorSettings } from '../core/processor-config.ts';

export interface VerdictConfig extends ProcessorSettings {
  /** ARBITER_VERDICT_GROUP: consumer group of the verdict processors (default "arbiter-verdict"). */
  readonly groupId: string;
  /** ARBITER_BUNDLE_NAME: which bundle on the bundles topic this processor enforces (default "default"). */
  readonly bundleName: string;
  /** ARBITER_TRUSTED_KEYS: JSON { keyId: publicKeyPem }; when set, bundles must be signed by one of them. */
  readonly trustedKeys: Readonly<Record<string, string>>;
  /** ARBITER_BUNDLE_WAIT_MS: how long startup waits for the first bundle before serving (denying) anyway. */
  readonly bundleWaitMs: number;
  /** ARBITER_MAX_PROPOSAL_BYTES: proposals larger than this are dead-lettered (default 1 MiB). */
  readonly maxValueBytes: number;
  /** ARBITER_REPLY_TOPICS: JSON { topic: partitions } answered besides the verdicts topic. */
  readonly replyTopics: ReadonlyMap<string, number>;
  /** ARBITER_EXACTLY_ONCE: "false" turns transactions off (at least once + dedup by proposal id); default on. */
  readonly exactlyOnce: boolean;
  /** ARBITER_GROUP_COMMIT: "false" commits each consumed partition run on its own; default (unset here too) on: the runs of one fetch
   *  share one transaction (processors/runtime/stream/loop.ts, docs/decisions.md "Verdict processor"). */
  readonly groupCommit?: boolean;
}

function json<T>(env: Env, key: string, fallback: T, check: (v: unknown) => v is T): T {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `${key} is not JSON: ${(error as Error).message}`, { key });
  }
  if (!check(value)) throw new ArbiterError('ARB_CONFIG_INVALID', `${key} has the wrong shape`, { key });
  return value;
}

const isRecordOf = <V>(pred: (v: unknown) => v is V) => (v: unknown): v is Record<string, V> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(pred);

export function verdictConfigFromEnv(env: Env): VerdictConfig {
  const shared = processorSettingsFromEnv(env);
  const trustedKeys = json(env, 'ARBITER_TRUSTED_KEYS', {}, isRecordOf((v): v is string => typeof v === 'string'));
  const replyTopics = json(env, 'ARBITER_REPLY_TOPICS', {}, isRecordOf((v): v is number => Number.isInteger(v) && (v as number) > 0));
  return {
    ...shared,
    groupId: env['ARBITER_VERDICT_GROUP'] || 'arbiter-verdict',
    bundleName: env['ARBITER_BUNDLE_NAME'] || 'default',
    trustedKeys,
    bundleWaitMs: positiveInt(env, 'ARBITER_BUNDLE_WAIT_MS', 10_000),
    maxValueBytes: positiveInt(env, 'ARBITER_MAX_PROPOSAL_BYTES', 1_048_576),
    replyTopics: new Map(Object.entries(replyTopics)),
    exactlyOnce: booleanSetting(env, 'ARBITER_EXACTLY_ONCE', true),
    groupCommit: booleanSetting(env, 'ARBITER_GROUP_COMMIT', true),
  };
}
