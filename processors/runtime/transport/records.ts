// Small conversions shared by the adapters: keys, headers and batch grouping. Pure, no client imports.
import type { Headers, InRecord, OutRecord, TopicPartitionOffset } from './transport.ts';

export function keyBuffer(key: Buffer | string | null): Buffer | null {
  if (key === null) return null;
  return typeof key === 'string' ? Buffer.from(key) : key;
}

const EMPTY_HEADERS: Headers = Object.freeze({});

/** Client header values arrive as Buffer, string, arrays (kafkajs allows repeats) or undefined; we keep the last value. */
export function headersFrom(raw: Iterable<readonly [unknown, unknown]> | undefined): Headers {
  if (raw === undefined) return EMPTY_HEADERS;
  let out: Record<string, Buffer> | undefined;
  for (const [k, v] of raw) {
    const value = Array.isArray(v) ? v[v.length - 1] : v;
    if (value === undefined || value === null) continue;
    out ??= {};
    out[String(k)] = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
  }
  return out ?? EMPTY_HEADERS;
}

/** Consecutive runs of records on the same topic/partition, order kept (one batch per run). */
export function splitByPartition(records: readonly InRecord[]): InRecord[][] {
  const runs: InRecord[][] = [];
  let current: InRecord[] | undefined;
  for (const r of records) {
    const last = current?.[0];
    if (current === undefined || last === undefined || last.topic !== r.topic || last.partition !== r.partition) {
      current = [r];
      runs.push(current);
    } else {
      current.push(r);
    }
  }
  return runs;
}

/** Records grouped by topic, order within a topic kept. */
export function groupByTopic(records: readonly OutRecord[]): Map<string, OutRecord[]> {
  const byTopic = new Map<string, OutRecord[]>();
  for (const r of records) {
    const list = byTopic.get(r.topic);
    if (list) list.push(r);
    else byTopic.set(r.topic, [r]);
  }
  return byTopic;
}

/** Offsets grouped by topic in the { topic, partitions: [{ partition, offset }] } shape kafkajs-style APIs take. */
export function offsetsByTopic(
  offsets: readonly TopicPartitionOffset[],
): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) {
    const list = byTopic.get(o.topic) ?? [];
    list.push({ partition: o.partition, offset: o.offset });
    byTopic.set(o.topic, list);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/**
 * Splits records into chunks, sent in order, holding at most `maxBytes` (key + value + headers) per destination
 * partition; a larger single record is alone in its partition's share of a chunk. The broker bounds each partition's
 * batch (message.max.bytes), not the request, and clients that send one request per call (kafkajs, platformatic) do
 * not split a call; bounding per partition keeps one request (and one AddPartitionsToTxn) per commit in the common
 * case instead of one per `maxBytes` of all outputs. Per partition the order is kept (a partition's records move to
 * later chunks only); a topic with any record placed by key counts as one partition, since its partitions are not
 * known here.
 */
export function chunkBySize(records: readonly OutRecord[], maxBytes: number): OutRecord[][] {
  const keyed = new Set<string>();
  for (const r of records) if (r.partition === undefined) keyed.add(r.topic);
  const chunks: OutRecord[][] = [];
  /** Per destination: the chunk it fills and the bytes it has there. */
  const fill = new Map<string, { chunk: number; bytes: number }>();
  for (const r of records) {
    let bytes = 64 + (r.value?.length ?? 0) + (r.key === null ? 0 : typeof r.key === 'string' ? Buffer.byteLength(r.key) : r.key.length);
    for (const [k, v] of Object.entries(r.headers ?? {})) bytes += k.length + v.length;
    const destination = keyed.has(r.topic) ? r.topic : `${r.topic}\u0000${r.partition}`;
    let at = fill.get(destination);
    if (at === undefined) fill.set(destination, (at = { chunk: 0, bytes: 0 }));
    else if (at.bytes > 0 && at.bytes + bytes > maxBytes) {
      at.chunk++;
      at.bytes = 0;
    }
    at.bytes += bytes;
    (chunks[at.chunk] ??= []).push(r);
  }
  return chunks;
}
