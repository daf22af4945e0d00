// The SIEM forwarder deployable: every configured forwarder (one per format, each its own consumer group) in one
// process; health and metrics: processors/core/health-server.ts (ARBITER_HEALTH_PORT; ready = every forwarder's
// consumer assigned). Settings, validated once at startup:
//   ARBITER_SIEM_CONFIG        path of a YAML or JSON file: { forwarders: [ <forwarder config>, ... ] }
//                              (fields: processors/sinks/siem/config.ts). Secret fields (peer.token,
//                              peer.authorization) may be written "env:NAME" to read them from the environment.
//   KAFKA_BROKERS, SCHEMA_REGISTRY_URL, ARBITER_KAFKA_CLIENT, ARBITER_TOPIC_PREFIX, ARBITER_PARTITIONS,
//   ARBITER_REPLICATION        as for the other processors.
// Defaults derived from the topic prefix p: sources p.decisions + p.alerts, group p-siem-<format>,
// DLQ p.dlq.siem-<format>.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { ArbiterError } from '../../core/errors.ts';
import { watchConsumers } from '../../core/consumer-readiness.ts';
import { runDeployable } from '../../core/deployable.ts';
import { Readiness } from '../../core/health-server.ts';
import { MetricsRegistry } from '../../core/metrics.ts';
import { createRegistryClient } from '../../runtime/serde/registry.ts';
import { TopicSerde } from '../../runtime/serde/topic-serde.ts';
import { defineTopics, type TopicMap } from '../../runtime/topics.ts';
import { parseBrokers } from '../../runtime/transport/brokers.ts';
import { createTransport, KAFKA_CLIENT_ENV, parseKafkaClient, type KafkaClientName } from '../../runtime/transport/index.ts';
import { validateSiemConfig, type SiemForwarderConfig } from './config.ts';
import { connectionSecurityFromEnv, type RegistryAuth } from '../../core/kafka-security-config.ts';
import type { KafkaSecurity } from '../../runtime/transport/transport.ts';
import { startSiemForwarder, type RunningSiemForwarder } from './service.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface SiemServiceConfig {
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  /** TLS/SASL towards Kafka and the registry's auth (docs/security.md); absent: none. */
  readonly kafkaSecurity?: KafkaSecurity;
  readonly registryAuth?: RegistryAuth;
  readonly kafkaClient: KafkaClientName;
  readonly topics: TopicMap;
  readonly forwarders: readonly SiemForwarderConfig[];
}

const SECRET_FIELDS = ['token', 'authorization'] as const;

function intEnv(env: Env, key: string, def: number, min: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ArbiterError('ARB_SIEM_CONFIG_INVALID', `${key}="${raw}" must be an integer >= ${min}`, { key });
  return n;
}

/** Pure: the service config from the environment and the forwarders file's text. */
export function siemServiceConfig(env: Env, fileText: string, file = 'ARBITER_SIEM_CONFIG'): SiemServiceConfig {
  const prefix = env['ARBITER_TOPIC_PREFIX'] || 'arbiter';
  const topics = defineTopics({
    prefix, partitions: intEnv(env, 'ARBITER_PARTITIONS', 6, 1), replicationFactor: intEnv(env, 'ARBITER_REPLICATION', 1, 1),
  });
  let doc: unknown;
  try {
    doc = YAML.parse(fileText);
  } catch (e) {
    throw new ArbiterError('ARB_SIEM_CONFIG_INVALID', `${file} is not valid YAML/JSON: ${(e as Error).message}`, { file });
  }
  const list = (doc as { forwarders?: unknown } | null)?.forwarders;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ArbiterError('ARB_SIEM_CONFIG_INVALID', `${file} must hold "forwarders": a non-empty list`, { file, key: 'forwarders' });
  }
  const forwarders = list.map((raw, i) => {
    const key = `forwarders[${i}]`;
    const o = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>) } : raw;
    if (typeof o === 'object' && o !== null && !Array.isArray(o)) {
      const r = o as Record<string, unknown>;
      const format = String(r['format']);
      r['sourceTopics'] ??= [topics.decisions.topic, topics.alerts.topic];
      r['groupId'] ??= `${prefix}-siem-${format}`;
      r['dlqTopic'] ??= `${prefix}.dlq.siem-${format}`;
      const peer = r['peer'];
      if (typeof peer === 'object' && peer !== null) {
        const p = { ...(peer as Record<string, unknown>) };
        for (const f of SECRET_FIELDS) {
          const v = p[f];
          if (typeof v === 'string' && v.startsWith('env:')) {
            const name = v.slice(4);
            const value = env[name];
            if (value === undefined || value === '') {
              throw new ArbiterError('ARB_SIEM_CONFIG_INVALID', `${key}.peer.${f} names environment variable ${name}, which is not set`, { file, key: `${key}.peer.${f}` });
            }
            p[f] = value;
          }
        }
        r['peer'] = p;
      }
    }
    return validateSiemConfig(o, key);
  });
  const groups = new Set<string>();
  for (const [i, f] of forwarders.entries()) {
    if (groups.has(f.groupId)) {
      throw new ArbiterError('ARB_SIEM_CONFIG_INVALID', `forwarders[${i}].groupId "${f.groupId}" is used twice: each forwarder needs its own consumer group`, { file, key: `forwarders[${i}].groupId` });
    }
    groups.add(f.groupId);
  }
  const registryUrl = env['SCHEMA_REGISTRY_URL'] ?? '';
  if (registryUrl === '') throw new ArbiterError('ARB_SIEM_CONFIG_INVALID', 'SCHEMA_REGISTRY_URL is not set', { key: 'SCHEMA_REGISTRY_URL' });
  return {
    brokers: parseBrokers(env['KAFKA_BROKERS']),
    registryUrl,
    ...connectionSecurityFromEnv(env, registryUrl),
    kafkaClient: parseKafkaClient(env[KAFKA_CLIENT_ENV]),
    topics,
    forwarders,
  };
}

export function siemServiceConfigFromEnv(env: Env): SiemServiceConfig {
  const file = env['ARBITER_SIEM_CONFIG'];
  if (file === undefined || file === '') throw new ArbiterError('ARB_SIEM_CONFIG_INVALID', 'ARBITER_SIEM_CONFIG (path of the forwarders file) is not set', { key: 'ARBITER_SIEM_CONFIG' });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ArbiterError('ARB_SIEM_CONFIG_INVALID', `cannot read ${file}: ${(e as Error).message}`, { file });
  }
  return siemServiceConfig(env, text, file);
}

export interface RunningSiemService {
  readonly metrics: MetricsRegistry;
  /** Rejects as soon as one forwarder's consumer fails. */
  readonly stopped: Promise<void>;
  close(): Promise<void>;
}

/** Starts every forwarder; their counters go to `metrics`, the condition "consumers" to `readiness`. */
export async function runSiemService(config: SiemServiceConfig,
  o: { readonly metrics?: MetricsRegistry; readonly readiness?: Readiness } = {}): Promise<RunningSiemService> {
  const metrics = o.metrics ?? new MetricsRegistry();
  const client = await createTransport(config.kafkaClient, { brokers: config.brokers, clientId: 'arbiter-siem', security: config.kafkaSecurity });
  const transport = watchConsumers(client, o.readiness ?? new Readiness());
  const registry = createRegistryClient(config.registryUrl, config.registryAuth, { metrics });
  const serde = new TopicSerde(registry, config.topics);
  await serde.registerAll();
  const running: RunningSiemForwarder[] = [];
  for (const f of config.forwarders) running.push(await startSiemForwarder(f, { transport, registry, serde, topics: config.topics, metrics }));
  return {
    metrics,
    stopped: Promise.all(running.map((r) => r.done)).then(() => undefined),
    async close() {
      await Promise.all(running.map((r) => r.stop()));
    },
  };
}

/** `node processors/sinks/siem/main.ts`: run until SIGTERM/SIGINT; exit non-zero if a consumer fails. */
export async function main(): Promise<void> {
  await runDeployable('siem', async ({ log, metrics, readiness }) => {
    const config = siemServiceConfigFromEnv(process.env);
    const service = await runSiemService(config, { metrics, readiness });
    log('started', { forwarders: config.forwarders.map((f) => ({ format: f.format, group: f.groupId, dlq: f.dlqTopic })) });
    return service;
  });
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) await main();
