// OCSF over HTTP: newline-delimited OCSF JSON events POSTed to one URL (a collector, a lake ingest endpoint).
import type { HttpPeerConfig } from './config.ts';
import { httpPeer, postBatchIsolating } from './http.ts';
import type { SiemSink } from './sink.ts';

export function ocsfHttpSink(peer: HttpPeerConfig, timeoutMs: number): SiemSink {
  const url = new URL(peer.url);
  const http = httpPeer(url.origin, timeoutMs);
  const path = url.pathname + url.search;
  const headers: Record<string, string> = { 'Content-Type': 'application/x-ndjson' };
  if (peer.authorization !== undefined) headers['Authorization'] = peer.authorization;
  return {
    deliver: (items) => postBatchIsolating(items, (batch) => http.post(path, headers, `${batch.map((i) => i.payload).join('\n')}\n`)),
    async close() {
      http.close();
    },
  };
}
