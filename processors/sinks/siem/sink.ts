// The contract between the forwarder core (queue, retries, DLQ, offsets) and one peer (syslog, HEC, Elastic, HTTP).
// A sink only moves already-formatted payloads and reports, per item, what happened; it never retries or sleeps
// itself: the forwarder owns the retry budget, the backoff and the DLQ, so all peers behave the same.
import type { ErrorCode } from '../../core/errors.ts';

export interface OutItem {
  /** Stable event id (decision id / alert id): the idempotency key where the peer supports one. */
  readonly id: string;
  /** The formatted event (a syslog line, a JSON document, a HEC envelope), UTF-8 text. */
  readonly payload: string;
}

export type ItemOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly retryable: boolean; readonly code: ErrorCode; readonly detail: string };

export const OK: ItemOutcome = Object.freeze({ ok: true });

export interface SiemSink {
  /** One outcome per item, same order. May throw: the forwarder then treats every item as retryable. */
  deliver(items: readonly OutItem[]): Promise<ItemOutcome[]>;
  close(): Promise<void>;
}

export function failAll(n: number, retryable: boolean, code: ErrorCode, detail: string): ItemOutcome[] {
  const o: ItemOutcome = { ok: false, retryable, code, detail };
  return new Array<ItemOutcome>(n).fill(o);
}
