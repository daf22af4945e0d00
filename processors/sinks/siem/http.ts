// The HTTP side shared by the HEC, Elastic and OCSF-over-HTTP sinks: one keep-alive agent per peer, a POST with a
// deadline, and one status classification so all HTTP peers retry alike:
//   2xx ok | 408, 429, 5xx busy (retryable) | 401, 403, 404 peer misconfigured (retryable: fixable without
//   touching the event) | other 4xx rejected for good | no answer / timeout unavailable (retryable).
import http from 'node:http';
import https from 'node:https';
import type { ErrorCode } from '../../core/errors.ts';
import { failAll, type ItemOutcome, type OutItem } from './sink.ts';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export interface HttpPeer {
  post(path: string, headers: Readonly<Record<string, string>>, body: string): Promise<HttpAnswer>;
  close(): void;
}

export function httpPeer(baseUrl: string, timeoutMs: number, ca?: string): HttpPeer {
  const base = new URL(baseUrl);
  const secure = base.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 4, ...(ca !== undefined ? { ca } : {}) })
    : new http.Agent({ keepAlive: true, maxSockets: 4 });
  const basePath = base.pathname.replace(/\/+$/, '');
  return {
    post(path, headers, body) {
      return new Promise<HttpAnswer>((resolve, reject) => {
        const payload = Buffer.from(body, 'utf8');
        const req = (secure ? https : http).request({
          protocol: base.protocol, hostname: base.hostname, port: base.port, path: basePath + path, method: 'POST', agent,
          headers: { ...headers, 'Content-Length': String(payload.length) },
          timeout: timeoutMs,
        }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

export type StatusClass = 'ok' | 'busy' | 'misconfigured' | 'rejected';

export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 429 || status >= 500) return 'busy';
  if (status === 401 || status === 403 || status === 404) return 'misconfigured';
  return 'rejected';
}

export function outcomeForStatus(status: number, detail: string): ItemOutcome {
  const c = classifyStatus(status);
  if (c === 'ok') return { ok: true };
  const code: ErrorCode = c === 'rejected' ? 'ARB_SIEM_PEER_REJECTED' : 'ARB_SIEM_PEER_BUSY';
  return { ok: false, retryable: c !== 'rejected', code, detail: `HTTP ${status}: ${detail.slice(0, 300)}` };
}

/**
 * Sends a whole batch in one request; when the peer rejects the batch for good (4xx like 400/413) and it holds
 * more than one item, re-sends the items one by one so one bad event does not take its neighbours to the DLQ.
 * Network errors make every item retryable.
 */
export async function postBatchIsolating(
  items: readonly OutItem[],
  send: (batch: readonly OutItem[]) => Promise<HttpAnswer>,
): Promise<ItemOutcome[]> {
  let answer: HttpAnswer;
  try {
    answer = await send(items);
  } catch (e) {
    return failAll(items.length, true, 'ARB_SIEM_PEER_UNAVAILABLE', (e as Error).message);
  }
  const outcome = outcomeForStatus(answer.status, answer.body);
  if (outcome.ok || outcome.retryable || items.length === 1) return new Array<ItemOutcome>(items.length).fill(outcome);
  const out: ItemOutcome[] = [];
  for (const item of items) {
    try {
      const a = await send([item]);
      out.push(outcomeForStatus(a.status, a.body));
    } catch (e) {
      out.push({ ok: false, retryable: true, code: 'ARB_SIEM_PEER_UNAVAILABLE', detail: (e as Error).message });
    }
  }
  return out;
}
