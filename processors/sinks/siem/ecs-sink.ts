// Elasticsearch bulk: POST <url>/_bulk (ndjson), one {"create":{"_index","_id"}} action per event, _id = event id.
// `create` with a fixed _id makes redelivery idempotent: a 409 (document already exists) counts as delivered,
// so at-least-once delivery lands exactly once in the index. Per-item statuses are classified like HTTP statuses.
import type { EcsPeerConfig } from './config.ts';
import { httpPeer, outcomeForStatus } from './http.ts';
import { failAll, OK, type ItemOutcome, type SiemSink } from './sink.ts';

interface BulkItemResult {
  readonly status?: number;
  readonly error?: { readonly type?: string; readonly reason?: string };
}

export function bulkBody(index: string, items: readonly { id: string; payload: string }[]): string {
  let body = '';
  for (const i of items) body += `${JSON.stringify({ create: { _index: index, _id: i.id } })}\n${i.payload}\n`;
  return body;
}

/** Per-item outcomes from a 200 bulk answer; items the answer does not cover are retryable. */
export function bulkOutcomes(n: number, answerBody: string): ItemOutcome[] {
  let parsed: { errors?: boolean; items?: Record<string, BulkItemResult>[] };
  try {
    parsed = JSON.parse(answerBody) as typeof parsed;
  } catch {
    return failAll(n, true, 'ARB_SIEM_PEER_BUSY', 'bulk answer is not JSON');
  }
  if (parsed.errors === false && parsed.items?.length === n) return new Array<ItemOutcome>(n).fill(OK);
  const out: ItemOutcome[] = [];
  for (let i = 0; i < n; i++) {
    const entry = parsed.items?.[i];
    const r = entry === undefined ? undefined : Object.values(entry)[0];
    if (r?.status === undefined) {
      out.push({ ok: false, retryable: true, code: 'ARB_SIEM_PEER_BUSY', detail: `bulk answer has no item ${i}` });
    } else if (r.status === 409) {
      out.push(OK); // already indexed by an earlier attempt
    } else {
      out.push(outcomeForStatus(r.status, `${r.error?.type ?? ''} ${r.error?.reason ?? ''}`.trim()));
    }
  }
  return out;
}

export function ecsBulkSink(peer: EcsPeerConfig, timeoutMs: number): SiemSink {
  const http = httpPeer(peer.url, timeoutMs);
  const headers: Record<string, string> = { 'Content-Type': 'application/x-ndjson' };
  if (peer.authorization !== undefined) headers['Authorization'] = peer.authorization;
  return {
    async deliver(items) {
      let answer;
      try {
        answer = await http.post('/_bulk', headers, bulkBody(peer.index, items));
      } catch (e) {
        return failAll(items.length, true, 'ARB_SIEM_PEER_UNAVAILABLE', (e as Error).message);
      }
      if (answer.status !== 200) {
        const o = outcomeForStatus(answer.status, answer.body);
        return new Array<ItemOutcome>(items.length).fill(o);
      }
      return bulkOutcomes(items.length, answer.body);
    },
    async close() {
      http.close();
    },
  };
}
