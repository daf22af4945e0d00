// Turns a record that failed into a dead letter on its source topic's DLQ: the raw key and value, the error's
// stable code and message, and where it came from. The partition keeps flowing; nothing is retried from here.
// Only poison goes here: callers take the failure from failure-kind.ts poisonFailure(), which rethrows a transient one.
import { ArbiterError, type ErrorCode } from '../../core/errors.ts';
import type { TopicSerde } from '../serde/topic-serde.ts';
import { dlqFor, type TopicMap } from '../topics.ts';
import type { InRecord, OutRecord } from '../transport/transport.ts';

/** Raw values above this are cut in the dead letter (the message says so), so the DLQ record stays producible. */
export const MAX_DEAD_LETTER_VALUE_BYTES = 256 * 1024;

export interface Failure {
  readonly code: ErrorCode;
  readonly message: string;
}

/** The stable code and message of anything thrown; non-Arbiter errors get `fallback`. */
export function failureOf(error: unknown, fallback: ErrorCode): Failure {
  if (error instanceof ArbiterError) return { code: error.code, message: error.message };
  return { code: fallback, message: error instanceof Error ? error.message : String(error) };
}

export function deadLetter(serde: TopicSerde, topics: TopicMap, record: InRecord, failure: Failure, nowMs: number): OutRecord {
  const dlq = dlqFor(topics, record.topic);
  if (dlq === undefined) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `topic ${record.topic} has no dead-letter topic`, { topic: record.topic });
  }
  const raw = record.value;
  const cut = raw !== null && raw.length > MAX_DEAD_LETTER_VALUE_BYTES;
  return {
    topic: dlq.topic,
    key: record.key,
    value: serde.encode(dlq, {
      key: record.key,
      value: cut ? raw.subarray(0, MAX_DEAD_LETTER_VALUE_BYTES) : raw,
      errorCode: failure.code,
      message: cut ? `${failure.message} [value cut to ${MAX_DEAD_LETTER_VALUE_BYTES} of ${raw.length} bytes]` : failure.message,
      sourceTopic: record.topic, sourcePartition: record.partition, sourceOffset: record.offset, atMs: nowMs,
    }),
    headers: { 'arbiter.error-code': Buffer.from(failure.code) },
  };
}
