// Chooses the Kafka client. The default comes from bench/kafka-clients (figures and reasons: docs/decisions.md,
// "Kafka clients"); the others stay selectable with ARBITER_KAFKA_CLIENT. Adapters load lazily, so the optional
// native client (confluent) is only required when chosen.
import { ArbiterError } from '../../core/errors.ts';
import { secured } from './secured.ts';
import type { KafkaTransport, TransportConfig } from './transport.ts';

export type * from './transport.ts';

export const KAFKA_CLIENTS = ['kafkajs', 'confluent', 'platformatic'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];

/** Environment key that selects the client. */
export const KAFKA_CLIENT_ENV = 'ARBITER_KAFKA_CLIENT';
export const DEFAULT_KAFKA_CLIENT: KafkaClientName = 'platformatic';

/** Validates the configured client name once at startup; unset means the default. */
export function parseKafkaClient(value: string | undefined): KafkaClientName {
  if (value === undefined || value.trim() === '') return DEFAULT_KAFKA_CLIENT;
  const name = value.trim();
  if ((KAFKA_CLIENTS as readonly string[]).includes(name)) return name as KafkaClientName;
  throw new ArbiterError('ARB_CONFIG_INVALID', `${KAFKA_CLIENT_ENV}="${value}" is not one of ${KAFKA_CLIENTS.join(', ')}`, {
    key: KAFKA_CLIENT_ENV,
  });
}

/** The client's transport; with TLS/SASL configured, its security failures come out as ARB_TRANSPORT_* (secured.ts). */
export async function createTransport(name: KafkaClientName, config: TransportConfig): Promise<KafkaTransport> {
  return secured(await createClientTransport(name, config), config);
}

async function createClientTransport(name: KafkaClientName, config: TransportConfig): Promise<KafkaTransport> {
  switch (name) {
    case 'kafkajs':
      return new (await import('./kafkajs.ts')).KafkajsTransport(config);
    case 'platformatic':
      return new (await import('./platformatic.ts')).PlatformaticTransport(config);
    case 'confluent': {
      let mod: typeof import('./confluent.ts');
      try {
        mod = await import('./confluent.ts');
      } catch (cause) {
        const error = new ArbiterError(
          'ARB_TRANSPORT_CLIENT_UNAVAILABLE',
          `@confluentinc/kafka-javascript could not be loaded (optional native dependency; see docs/decisions.md "Kafka clients"): ${String(cause)}`,
          { key: KAFKA_CLIENT_ENV },
        );
        throw Object.assign(error, { cause });
      }
      return new mod.ConfluentTransport(config);
    }
  }
}
