// Splunk HEC: POST <url>/services/collector/event with "Authorization: Splunk <token>"; a batch is the
// envelopes concatenated (newline separated), which HEC accepts as one request. 200 {"code":0} = all indexed.
import type { HecPeerConfig } from './config.ts';
import { httpPeer, postBatchIsolating } from './http.ts';
import type { SiemSink } from './sink.ts';

export const HEC_PATH = '/services/collector/event';

export function hecSink(peer: HecPeerConfig, timeoutMs: number): SiemSink {
  const http = httpPeer(peer.url, timeoutMs);
  const headers = { Authorization: `Splunk ${peer.token}`, 'Content-Type': 'application/json' };
  return {
    deliver: (items) => postBatchIsolating(items, (batch) => http.post(HEC_PATH, headers, batch.map((i) => i.payload).join('\n'))),
    async close() {
      http.close();
    },
  };
}
