import { describe, expect, it } from 'vitest';
import { dropAbortedRecords, type FetchedBatch } from '../../processors/runtime/transport/platformatic-read-committed.ts';

const TXN = 1 << 4;
const CONTROL = 1 << 5;
/** A data batch of `count` records from `first`, transactional unless producerId is -1. */
const data = (first: number, count: number, producerId: number): FetchedBatch => ({
  firstOffset: BigInt(first), lastOffsetDelta: count - 1, attributes: producerId < 0 ? 0 : TXN, producerId: BigInt(producerId),
  records: Array.from({ length: count }, () => ({ key: Buffer.from('k') })),
});
/** A control batch: type 0 = abort, 1 = commit (key: int16 version, int16 type). */
const marker = (offset: number, producerId: number, type: 0 | 1): FetchedBatch => {
  const key = Buffer.alloc(4);
  key.writeInt16BE(type, 2);
  return { firstOffset: BigInt(offset), lastOffsetDelta: 0, attributes: TXN | CONTROL, producerId: BigInt(producerId), records: [{ key }] };
};
const kept = (batches: readonly FetchedBatch[]) => batches.flatMap((b) => b.records.length === 0 ? [] : [`${b.producerId}@${b.firstOffset}`]);

describe('dropAbortedRecords (read_committed over @platformatic/kafka)', () => {
  it('drops both aborted transactions of one producer in one answer (the client keeps only the last one\'s range)', () => {
    const records = [data(0, 3, 7), marker(3, 7, 0), data(4, 2, 8), marker(6, 8, 1), data(7, 3, 7), marker(10, 7, 0), data(11, 1, 7), marker(12, 7, 1)];
    const partition = { abortedTransactions: [{ producerId: 7n, firstOffset: 7n }, { producerId: 7n, firstOffset: 0n }], records };
    expect(dropAbortedRecords(partition)).toBe(6);
    expect(kept(partition.records)).toEqual(['7@3', '8@4', '8@6', '7@10', '7@11', '7@12']);
  });

  it('drops an aborted transaction whose abort marker is beyond the answer (the client lets it through)', () => {
    const records = [data(0, 2, 5), data(2, 4, 9)];
    const partition = { abortedTransactions: [{ producerId: 9n, firstOffset: 2n }], records };
    expect(dropAbortedRecords(partition)).toBe(4);
    expect(kept(partition.records)).toEqual(['5@0']);
    // The emptied batch keeps its offsets, so the reader's position moves past it.
    expect(partition.records[1]).toMatchObject({ firstOffset: 2n, lastOffsetDelta: 3, records: [] });
  });

  it('keeps committed transactions, non-transactional batches and a producer\'s records after its abort marker', () => {
    const records = [data(0, 2, 4), marker(2, 4, 0), data(3, 2, 4), marker(5, 4, 1), data(6, 1, -1)];
    const partition = { abortedTransactions: [{ producerId: 4n, firstOffset: 0n }], records };
    expect(dropAbortedRecords(partition)).toBe(2);
    expect(kept(partition.records)).toEqual(['4@2', '4@3', '4@5', '-1@6']);
  });

  it('changes nothing when the answer lists no aborted transaction', () => {
    const records = [data(0, 2, 4), marker(2, 4, 1)];
    const partition = { abortedTransactions: [], records };
    expect(dropAbortedRecords(partition)).toBe(0);
    expect(kept(partition.records)).toEqual(['4@0', '4@2']);
  });
});
