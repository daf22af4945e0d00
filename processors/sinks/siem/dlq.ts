// Dead letters for the SIEM forwarders. On Kafka each format has its own topic, arbiter.dlq.siem-<format>,
// carrying the raw source record plus error code and source topic/partition/offset (schemas/DeadLetter.avsc).
// The value encoding (Avro via the registry) is injected, so this file does not depend on the serde module.
import type { ErrorCode } from '../../core/errors.ts';
import type { TransportProducer } from '../../runtime/transport/transport.ts';

/** Mirrors schemas/DeadLetter.avsc. */
export interface DeadLetter {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly errorCode: ErrorCode;
  readonly message: string;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
  readonly atMs: number;
}

export interface DlqWriter {
  /** Resolves once every letter is durable; rejects otherwise (the caller must then not commit offsets). */
  write(letters: readonly DeadLetter[]): Promise<void>;
}

/**
 * A DlqWriter on a Kafka producer. The same facts also go in headers so an operator can triage the topic with
 * plain console tools, without the schema registry.
 */
export function kafkaDlqWriter(producer: TransportProducer, topic: string, encode: (letter: DeadLetter) => Buffer): DlqWriter {
  return {
    async write(letters) {
      if (letters.length === 0) return;
      await producer.send(letters.map((l) => ({
        topic,
        key: l.key,
        value: encode(l),
        headers: {
          'arbiter.error-code': Buffer.from(l.errorCode),
          'arbiter.source-topic': Buffer.from(l.sourceTopic),
          'arbiter.source-partition': Buffer.from(String(l.sourcePartition)),
          'arbiter.source-offset': Buffer.from(l.sourceOffset),
        },
      })));
    },
  };
}
