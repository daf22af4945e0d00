// OffsetFetch v7 (the first version with requireStable, KIP-447) as a request/response pair that kafkajs's own
// connection can carry. kafkajs 2.2.4 speaks OffsetFetch v1-v4 only, so its admin.fetchOffsets cannot ask for stable
// offsets; kafkajs.ts sends this on the group coordinator's connection instead. v7 is a "flexible" version: its
// request header has a tagged-field section after the client id, its response header one after the correlation id.
// kafkajs writes header v1 and hands over the bytes after the correlation id, so the body written here starts with
// the request header's (empty) tagged fields and the decoder skips the response header's.
// Wire layout from the Kafka protocol's OffsetFetchRequest/Response JSON specs (v7 fields only).

export const OFFSET_FETCH_API_KEY = 9;
export const OFFSET_FETCH_VERSION = 7;
/** Kafka error codes this request's callers act on. */
export const UNSTABLE_OFFSET_COMMIT = 88;

export interface OffsetFetchPartition {
  readonly partition: number;
  /** -1 when the group has no committed offset for the partition. */
  readonly offset: bigint;
  readonly errorCode: number;
}

export interface OffsetFetchResult {
  /** Group-level error (coordinator loading, not the coordinator, ...); 0 when none. */
  readonly errorCode: number;
  readonly topics: readonly { readonly topic: string; readonly partitions: readonly OffsetFetchPartition[] }[];
}

function uvarint(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

function compactString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([Buffer.from(uvarint(bytes.length + 1)), bytes]);
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
}

const NO_TAGS = Buffer.from([0]);

/** The request body after the client id: header tagged fields, group, topics with partitions, requireStable. */
export function encodeOffsetFetchV7(groupId: string, topics: ReadonlyMap<string, readonly number[]>): Buffer {
  const parts: Buffer[] = [NO_TAGS, compactString(groupId), Buffer.from(uvarint(topics.size + 1))];
  for (const [topic, partitions] of topics) {
    parts.push(compactString(topic), Buffer.from(uvarint(partitions.length + 1)), ...partitions.map(int32), NO_TAGS);
  }
  parts.push(Buffer.from([1]), NO_TAGS); // requireStable = true
  return Buffer.concat(parts);
}

/** Reads the protocol's primitive types from a response, failing loudly on a short buffer. */
class Reader {
  #at = 0;
  readonly #buf: Buffer;
  constructor(buf: Buffer) {
    this.#buf = buf;
  }
  #need(n: number): void {
    if (this.#at + n > this.#buf.length) throw new RangeError(`OffsetFetch v7 response truncated at byte ${this.#at} (needs ${n} more)`);
  }
  int16(): number {
    this.#need(2);
    const v = this.#buf.readInt16BE(this.#at);
    this.#at += 2;
    return v;
  }
  int32(): number {
    this.#need(4);
    const v = this.#buf.readInt32BE(this.#at);
    this.#at += 4;
    return v;
  }
  int64(): bigint {
    this.#need(8);
    const v = this.#buf.readBigInt64BE(this.#at);
    this.#at += 8;
    return v;
  }
  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.#need(1);
      const byte = this.#buf[this.#at++] as number;
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
    }
    throw new RangeError(`OffsetFetch v7 response: varint longer than 5 bytes at byte ${this.#at}`);
  }
  /** A compact (nullable) string; null for length 0. */
  compactString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    this.#need(n - 1);
    const s = this.#buf.toString('utf8', this.#at, this.#at + n - 1);
    this.#at += n - 1;
    return s;
  }
  /** Skips a tagged-field section (none are defined for v7; a newer broker may add some). */
  tags(): void {
    for (let count = this.uvarint(); count > 0; count--) {
      this.uvarint();
      const size = this.uvarint();
      this.#need(size);
      this.#at += size;
    }
  }
  /** Elements of a compact array (0 = null, read as empty). */
  array<T>(element: () => T): T[] {
    const n = this.uvarint();
    return Array.from({ length: Math.max(0, n - 1) }, element);
  }
}

/** The response bytes after the correlation id (response header tagged fields first). */
export function decodeOffsetFetchV7(payload: Buffer): OffsetFetchResult {
  const r = new Reader(payload);
  r.tags(); // response header
  r.int32(); // throttle time
  const topics = r.array(() => {
    const topic = r.compactString() ?? '';
    const partitions = r.array(() => {
      const partition = r.int32();
      const offset = r.int64();
      r.int32(); // committed leader epoch
      r.compactString(); // metadata
      const errorCode = r.int16();
      r.tags();
      return { partition, offset, errorCode };
    });
    r.tags();
    return { topic, partitions };
  });
  const errorCode = r.int16();
  r.tags();
  return { errorCode, topics };
}
