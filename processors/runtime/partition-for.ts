// The one partition function of the session-keyed topics (proposals, results, approvals, session state). Every Arbiter
// producer of those topics sets the partition with it, and the verdict processor dead-letters a record that is not on
// the partition its key maps to, because a session's state is kept per partition: a result or approval resolution on
// another partition than the session's proposals would be folded into a state nobody reads (docs/decisions.md,
// "One partition function").
// It is the Java client's default for a keyed record: 32-bit MurmurHash2 of the key bytes (seed 0x9747b28c, as in
// Kafka's Utils.murmur2), sign bit cleared (& 0x7fffffff), modulo the partition count. Producers in other languages
// match it with their client's Java-compatible partitioner (librdkafka: partitioner=murmur2_random). Written from the
// algorithm's description; checked against the Java client's own choices (partition-for.test.ts). Pure, no allocation
// for Buffer keys.
import { ArbiterError } from '../core/errors.ts';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** MurmurHash2 (32-bit) of `bytes` with Kafka's seed, as a signed 32-bit integer (Java's int). */
export function murmur2(bytes: Uint8Array): number {
  const length = bytes.length;
  let h = (SEED ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The 1-3 trailing bytes, little-endian, then one more multiply.
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= (bytes[whole + 2] as number) << 16;
    if (tail >= 2) h ^= (bytes[whole + 1] as number) << 8;
    h ^= bytes[whole] as number;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition of a session-keyed topic with `partitions` partitions that `key` belongs on. A string key counts as
 * its UTF-8 bytes (what every client sends for it). Throws ARB_CONFIG_INVALID for a partition count that is not a
 * positive integer (a topic that does not exist reports 0).
 */
export function partitionFor(key: Uint8Array | string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `a partition count must be a positive integer, got ${partitions} (does the topic exist?)`, { key: 'partitions' });
  }
  return (murmur2(typeof key === 'string' ? Buffer.from(key, 'utf8') : key) & 0x7fffffff) % partitions;
}
