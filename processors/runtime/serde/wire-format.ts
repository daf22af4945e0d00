// The Confluent wire format: byte 0 is the magic byte 0, bytes 1..4 the schema id (big-endian int32),
// then the Avro binary body. Pure framing; no registry, no Avro.
import { ArbiterError, type Location } from '../../core/errors.ts';

export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;

export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  writeHeader(out, schemaId);
  body.copy(out, HEADER_BYTES);
  return out;
}

/** The magic byte and schema id into the first HEADER_BYTES of `out` (the body follows from HEADER_BYTES). */
export function writeHeader(out: Buffer, schemaId: number): void {
  out.writeUInt8(MAGIC_BYTE, 0);
  out.writeInt32BE(schemaId, 1);
}

/** Schema id and body (a view, not a copy). Throws ARB_SERDE_BAD_MAGIC on a short or foreign value. */
export function unframe(value: Buffer, where: Location): { schemaId: number; body: Buffer } {
  if (value.length < HEADER_BYTES || value[0] !== MAGIC_BYTE) {
    const first = value.length === 0 ? 'empty value' : `first byte ${value[0]}, length ${value.length}`;
    throw new ArbiterError('ARB_SERDE_BAD_MAGIC', `not Confluent wire format (${first})`, where);
  }
  return { schemaId: value.readInt32BE(1), body: value.subarray(HEADER_BYTES) };
}
