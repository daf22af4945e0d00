// Wraps a transport whose connection is secured (TLS and/or SASL) so that a refused handshake, a wrong password or an
// ACL denial surfaces as ARB_TRANSPORT_TLS_FAILED / _AUTH_FAILED / _NOT_AUTHORIZED (security-options.ts) instead of
// a client-specific error. Covers the calls that first reach the brokers: admin operations, producer and consumer
// creation, send and run. Other errors pass through unchanged.
import { securityError } from './security-options.ts';
import { diagnoseTls } from './tls-diagnosis.ts';
import type {
  ConsumerOptions, KafkaTransport, OutRecord, ProducerOptions, TopicSpec, TransportAdmin, TransportConfig, TransportConsumer,
  TransportProducer,
} from './transport.ts';

type Guard = <T>(work: () => Promise<T>) => Promise<T>;

const CLOSED = /Connection closed|ECONNRESET|socket hang up|failed \d+ times/i;

function guardFor(config: TransportConfig, inner: KafkaTransport): Guard {
  return async (work) => {
    try {
      return await work();
    } catch (error) {
      const clientLog = inner.recentClientErrors?.() ?? '';
      const known = securityError(error, config.security, config.brokers, clientLog);
      if (known !== undefined) throw known;
      // A connection closed right away may be a TLS alert the client swallowed: ask the first broker once.
      const tls = config.security?.tls;
      const broker = config.brokers[0];
      if (tls !== undefined && broker !== undefined && CLOSED.test(String((error as Error)?.message) + String((error as Error)?.cause))) {
        const why = await diagnoseTls(broker, tls);
        if (why !== undefined) throw securityError(error, config.security, config.brokers, `${clientLog} ${why}`) ?? error;
      }
      throw error;
    }
  };
}

function guardedAdmin(inner: TransportAdmin, guard: Guard): TransportAdmin {
  return {
    ensureTopics: (specs: readonly TopicSpec[]) => guard(() => inner.ensureTopics(specs)),
    fetchOffsets: (topic: string) => guard(() => inner.fetchOffsets(topic)),
    close: () => inner.close(),
  };
}

function guardedProducer(inner: TransportProducer, guard: Guard): TransportProducer {
  const transaction = inner.transaction;
  return {
    send: (records: readonly OutRecord[]) => guard(() => inner.send(records)),
    ...(transaction !== undefined ? { transaction: () => guard(() => transaction()) } : {}),
    close: () => inner.close(),
  };
}

function guardedConsumer(inner: TransportConsumer, guard: Guard): TransportConsumer {
  const consumer: TransportConsumer = {
    run: (eachBatch) => guard(() => inner.run(eachBatch)),
    commit: (offsets) => guard(() => inner.commit(offsets)),
    close: () => inner.close(),
  };
  if (inner.stableCommitted !== undefined) consumer.stableCommitted = (partitions) => guard(() => inner.stableCommitted!(partitions));
  if (inner.rewind !== undefined) consumer.rewind = () => inner.rewind!();
  return consumer;
}

/** The transport itself when the connection is PLAINTEXT (nothing to translate), else the guarded wrapper. */
export function secured(inner: KafkaTransport, config: TransportConfig): KafkaTransport {
  if (config.security === undefined || config.security.protocol === 'PLAINTEXT') return inner;
  const guard = guardFor(config, inner);
  return {
    name: inner.name,
    supportsTransactions: inner.supportsTransactions,
    admin: () => guard(async () => guardedAdmin(await inner.admin(), guard)),
    producer: (options?: ProducerOptions) => guard(async () => guardedProducer(await inner.producer(options), guard)),
    consumer: (options: ConsumerOptions) => guard(async () => guardedConsumer(await inner.consumer(options), guard)),
  };
}
