// Exactly-once folding of sequenced session events. The SDK numbers the results of each session handle (its
// "stream", a random id per handle) 1, 2, 3, ...; a result can reach the processor twice (on the results topic and
// embedded in the next proposal) and in either order. Per stream the state keeps the highest sequence folded and a
// 31-bit mask of which of the 31 sequences below it were folded (a sliding window, as in anti-replay windows), so
// a copy is skipped and a late original (one that missed the topic) is still folded. Pure.

import { hashString } from './hash.ts';
import { MAX_EVENT_STREAMS, SEQ_WINDOW } from './limits.ts';
import { pushRing } from './state.ts';

/** Stream ring entry: [streamHash, highest sequence folded, mask of the SEQ_WINDOW sequences below it]. */
export const SEQ_STRIDE = 3;
const WINDOW_BITS = (2 ** SEQ_WINDOW - 1) | 0;

/** Where a sequenced event comes from. seq ≥ 1; unsequenced events (seq 0, older SDKs) have no order. */
export interface EventOrder {
  readonly stream: string;
  readonly seq: number;
}

/**
 * The stream ring after marking `order` folded, or undefined when it was folded already (skip the event).
 * A sequence more than SEQ_WINDOW below the highest is taken as folded: it is that far behind only when it was
 * produced long before and folded then.
 */
export function markFolded(seqs: readonly number[], order: EventOrder): number[] | undefined {
  const stream = hashString(order.stream);
  const seq = Math.floor(order.seq);
  let at = -1;
  for (let i = 0; i < seqs.length; i += SEQ_STRIDE) if (seqs[i] === stream) at = i;
  if (at < 0) return pushRing(seqs, [stream, seq, 0], SEQ_STRIDE, MAX_EVENT_STREAMS);
  const highest = seqs[at + 1] as number;
  const mask = seqs[at + 2] as number;
  let next: [number, number];
  if (seq > highest) {
    const d = seq - highest;
    next = [seq, d > SEQ_WINDOW ? 0 : ((mask << d) | (1 << (d - 1))) & WINDOW_BITS];
  } else {
    const bit = highest - 1 - seq;
    if (bit < 0 || bit >= SEQ_WINDOW || (mask & (1 << bit)) !== 0) return undefined;
    next = [highest, mask | (1 << bit)];
  }
  const out = seqs.slice();
  out[at + 1] = next[0];
  out[at + 2] = next[1];
  return out;
}
