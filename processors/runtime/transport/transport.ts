// The thin Kafka transport every processor uses. Adapters (kafkajs, @confluentinc/kafka-javascript,
// @platformatic/kafka) implement it; the default is chosen by measurement (docs/decisions.md).
// Contract: byte-level only (serde lives elsewhere); offsets are strings (int64); a record's offset
// is committed only after its effects are produced (commit "offset + 1", Kafka's convention).
import type { Secret } from '../../core/secret.ts';

export type Headers = Readonly<Record<string, Buffer>>;

export interface InRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Headers;
  /** Broker/producer timestamp, epoch ms. */
  readonly timestampMs: number;
}

export interface OutRecord {
  readonly topic: string;
  /** Explicit partition (request/reply); otherwise the key decides. */
  readonly partition?: number;
  readonly key: Buffer | string | null;
  readonly value: Buffer | null;
  readonly headers?: Headers;
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Topic configs, e.g. { 'cleanup.policy': 'compact', 'retention.ms': '86400000' }. */
  readonly configs: Readonly<Record<string, string>>;
}

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read (last processed + 1). */
  readonly offset: string;
}

export interface TransportAdmin {
  /** Idempotent: existing topics are left as they are. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** Per partition: earliest and high-water offsets. */
  fetchOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]>;
  close(): Promise<void>;
}

export interface TransportTransaction {
  send(records: readonly OutRecord[]): Promise<void>;
  /** Commit consumed offsets inside the transaction (exactly-once consume-transform-produce). */
  sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface TransportProducer {
  send(records: readonly OutRecord[]): Promise<void>;
  /** Present only when the adapter supports transactions and the producer has a transactional id. */
  readonly transaction?: () => Promise<TransportTransaction>;
  close(): Promise<void>;
}

export interface ProducerOptions {
  /** Set to get an exactly-once producer; must be stable per input partition set / instance. */
  readonly transactionalId?: string;
  readonly idempotent?: boolean;
  /** Linger before a batch is sent, ms (latency vs throughput). */
  readonly lingerMs?: number;
}

export interface Batch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly InRecord[];
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts. */
  readonly fromBeginning: boolean;
  /** Read only committed transactional records. */
  readonly readCommitted?: boolean;
  /** Called with partitions newly assigned, before any of their records is handed to eachBatch (restore here). */
  readonly onAssigned?: (partitions: readonly { topic: string; partition: number }[]) => Promise<void>;
  /** Called with partitions being revoked, after in-flight batches finished (flush here). */
  readonly onRevoked?: (partitions: readonly { topic: string; partition: number }[]) => Promise<void>;
  /** Longest the broker holds a fetch waiting for minBytes, ms (latency vs throughput). Adapter default if unset. */
  readonly maxWaitMs?: number;
  /** Bytes the broker waits for before answering a fetch (1 = answer as soon as anything arrives). */
  readonly minBytes?: number;
  /** Group session timeout, ms: how long a dead member keeps its partitions. */
  readonly sessionTimeoutMs?: number;
  /** Only these partitions of the topics, for a group of one member (a changelog restore). A hint: an adapter that
   *  cannot restrict the assignment hands over the other partitions too, so the caller still filters. */
  readonly onlyPartitions?: readonly number[];
  /** Every subscribed topic's partition p goes to the same member (co-partition-assignor.ts), for a group that joins
   *  per-key state across its topics. The topics must share one partition count: the group refuses (ARB_ASSIGN_*)
   *  rather than split. Unset: the client's default assignor. */
  readonly coPartitioned?: boolean;
}

export interface TransportConsumer {
  /** Runs until close(). eachBatch resolves when the batch's effects are durable; then its offsets may be committed. */
  run(eachBatch: (batch: Batch) => Promise<void>): Promise<void>;
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /**
   * Optional: the group's committed offsets of these partitions once no open transaction holds offsets of them
   * (OffsetFetch requireStable); partitions without a committed offset are left out. A new owner reads from here:
   * the previous owner's last transaction may still be open when the client fetched its start offsets.
   */
  stableCommitted?(partitions: readonly { topic: string; partition: number }[]): Promise<TopicPartitionOffset[]>;
  /** Optional: drop what is buffered and read every owned partition again from the group's committed offsets. */
  rewind?(): Promise<void>;
  close(): Promise<void>;
}

export interface KafkaTransport {
  readonly name: string;
  readonly supportsTransactions: boolean;
  admin(): Promise<TransportAdmin>;
  producer(options?: ProducerOptions): Promise<TransportProducer>;
  consumer(options: ConsumerOptions): Promise<TransportConsumer>;
  /** Optional: the client's recent error log lines, for a client that reports connection failures only there. */
  readonly recentClientErrors?: () => string;
}

export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];
export const KAFKA_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** TLS towards the brokers: PEM texts (read from files once at startup), so every client takes them the same way. */
export interface KafkaTls {
  /** Trusted CA certificates; absent: the platform's default trust store. */
  readonly ca?: string;
  /** Client certificate and key for mutual TLS (both or neither). */
  readonly cert?: string;
  readonly key?: Secret;
  /** false only for development: accepts any broker certificate. */
  readonly rejectUnauthorized: boolean;
}

export interface KafkaSasl {
  readonly mechanism: KafkaSaslMechanism;
  readonly username: string;
  readonly password: Secret;
}

/** How the client authenticates and encrypts (docs/security.md); validated in processors/core/kafka-security-config.ts. */
export interface KafkaSecurity {
  readonly protocol: KafkaSecurityProtocol;
  /** Present exactly when protocol is SSL or SASL_SSL. */
  readonly tls?: KafkaTls;
  /** Present exactly when protocol is SASL_PLAINTEXT or SASL_SSL. */
  readonly sasl?: KafkaSasl;
}

export interface TransportConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Absent: PLAINTEXT. */
  readonly security?: KafkaSecurity | undefined;
}
