// read_committed for @platformatic/kafka 2.12.1: drops the records of aborted transactions the client lets through.
// A read_committed Fetch answer lists the aborted transactions overlapping it (producer id, first offset); the reader
// must skip their records. The client keeps one range per producer (a second aborted transaction of the same producer
// in one answer replaces the first, whose records are delivered), and skips nothing when the abort marker is not in
// the same answer (an answer cut by its size limit). Either way a reader sees a verdict of a transaction that was
// aborted (measured: "answered twice" in the verdict churn test; docs/decisions.md, Rebalances). This is the
// protocol's rule (as the reference client applies it): walking the batches in offset order, a producer is aborted
// from the first offset of one of its listed transactions until its abort marker; its transactional batches in
// between are dropped. Dropped batches keep their offsets (their records are emptied, not removed), so the client's
// fetch position still moves past them.

/** A record batch of a Fetch answer, as far as this filter reads it. */
export interface FetchedBatch {
  readonly firstOffset: bigint;
  readonly lastOffsetDelta: number;
  readonly attributes: number;
  readonly producerId: bigint;
  readonly records: readonly { readonly key?: Buffer | null }[];
}

export interface FetchedPartition {
  abortedTransactions?: readonly { readonly producerId: bigint; readonly firstOffset: bigint }[] | null;
  records?: FetchedBatch[] | null;
}

export interface FetchAnswer {
  readonly responses: readonly { readonly partitions: readonly FetchedPartition[] }[];
}

/** Record batch attributes (Kafka record batch v2). */
const IS_TRANSACTIONAL = 1 << 4;
const IS_CONTROL = 1 << 5;
/** Control record key: int16 version, int16 type (0 = abort, 1 = commit). */
const ABORT_MARKER = 0;

function isAbortMarker(batch: FetchedBatch): boolean {
  if ((batch.attributes & IS_CONTROL) === 0) return false;
  const key = batch.records[0]?.key;
  return key !== undefined && key !== null && key.length >= 4 && key.readInt16BE(2) === ABORT_MARKER;
}

/** The partition's batches with the records of aborted transactions emptied; the count of records dropped. */
export function dropAbortedRecords(partition: FetchedPartition): number {
  const listed = partition.abortedTransactions;
  const batches = partition.records;
  if (listed === undefined || listed === null || listed.length === 0 || batches === undefined || batches === null) return 0;
  const pending = [...listed].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const aborted = new Set<bigint>();
  let next = 0;
  let dropped = 0;
  for (let i = 0; i < batches.length; i++) {
    const batch = batches[i] as FetchedBatch;
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    for (; next < pending.length && (pending[next] as { firstOffset: bigint }).firstOffset <= last; next++) {
      aborted.add((pending[next] as { producerId: bigint }).producerId);
    }
    if (isAbortMarker(batch)) {
      aborted.delete(batch.producerId);
    } else if ((batch.attributes & IS_TRANSACTIONAL) !== 0 && (batch.attributes & IS_CONTROL) === 0 && aborted.has(batch.producerId)) {
      dropped += batch.records.length;
      batches[i] = { ...batch, records: [] };
    }
  }
  return dropped;
}

/** Every partition of a read_committed Fetch answer (see dropAbortedRecords); the count of records dropped. */
export function dropAbortedInAnswer(answer: FetchAnswer): number {
  let dropped = 0;
  for (const topic of answer.responses) for (const partition of topic.partitions) dropped += dropAbortedRecords(partition);
  return dropped;
}

/** The client's fetch, callback or promise form (both are used: the message stream passes a callback). */
interface Fetching {
  fetch(options: unknown, callback?: (error: Error | null, answer: FetchAnswer) => void): unknown;
}

/**
 * Makes a read_committed consumer's fetches drop aborted transactions' records before the message stream sees them
 * (after the client's own filter, which drops a subset of them). `onDropped` is told how many it dropped.
 */
export function fetchReadCommitted(consumer: Fetching, onDropped?: (records: number) => void): void {
  const fetch = consumer.fetch.bind(consumer);
  const filtered = (answer: FetchAnswer): FetchAnswer => {
    const dropped = dropAbortedInAnswer(answer);
    if (dropped > 0) onDropped?.(dropped);
    return answer;
  };
  consumer.fetch = (options, callback) => {
    if (callback === undefined) return (fetch(options) as Promise<FetchAnswer>).then(filtered);
    return fetch(options, (error, answer) => callback(error, error === null && answer !== undefined ? filtered(answer) : answer));
  };
}
