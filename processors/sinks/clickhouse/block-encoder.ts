// An insert block being filled row by row in the insert format. The batching sink appends each accepted record's
// row between begin() and end(), rolls a half-written row back, and seals the block into an insert body when a
// flush takes it (or when it reaches the most rows one insert may carry). Sealing hands the bytes over: the encoder
// starts an empty block and never touches the sealed bytes again, so an insert in flight overlaps the next fill.
import { RowBinaryWriter } from './row-binary.ts';

export interface SealedBlock {
  /** The insert body: these byte ranges, concatenated. */
  readonly parts: readonly Uint8Array[];
  readonly rows: number;
  /** The parts' bytes may be refilled by later blocks: called once, when no one reads them again (the insert was
   *  acknowledged). Without the call they are garbage-collected as usual. */
  readonly release?: () => void;
}

export interface BlockEncoder<W> {
  /** What a row is written with. */
  readonly writer: W;
  /** Complete rows in the open block. */
  readonly rows: number;
  /** A row starts here. */
  begin(): void;
  /** The row since begin() is complete. */
  end(): void;
  /** Drops what was written since begin(). */
  rollback(): void;
  /** The open block as an insert body; the encoder starts an empty block. */
  seal(): SealedBlock;
}

/** Row formats (RowBinary, JSONCompactEachRow): rows are consecutive bytes in one buffer. */
export function rowBlockEncoder(initialBytes = 1 << 20): BlockEncoder<RowBinaryWriter> {
  const writer = new RowBinaryWriter(initialBytes);
  let rows = 0;
  let mark = 0;
  return {
    writer,
    get rows() {
      return rows;
    },
    begin() {
      mark = writer.length;
    },
    end() {
      rows++;
    },
    rollback() {
      writer.truncate(mark);
    },
    seal() {
      let sealed: SealedBlock = { parts: [], rows };
      if (writer.length > 0) {
        const part = writer.detach();
        sealed = { parts: [part], rows, release: () => writer.recycle(part) };
      }
      rows = 0;
      return sealed;
    },
  };
}
