// Splunk HEC, Elastic bulk (ECS) and OCSF-over-HTTP forwarders against local HTTP peers that validate the format
// (bench/siem/peers.ts), against peers that fail (retries, then the DLQ), and against peers that are down for a
// while and then come back (backoff, then drain; nothing lost).
import { afterEach, describe, expect, it } from 'vitest';
import { startBulkPeer, startHecPeer, startOcsfPeer, type Peer } from '../../bench/siem/peers.ts';
import { MetricsRegistry } from '../../processors/core/metrics.ts';
import type { Batch } from '../../processors/runtime/transport/transport.ts';
import { validateSiemConfig } from '../../processors/sinks/siem/config.ts';
import type { DeadLetter } from '../../processors/sinks/siem/dlq.ts';
import { createSiemForwarder } from '../../processors/sinks/siem/index.ts';
import { validateOcsf } from '../../processors/sinks/siem/ocsf-schema.ts';
import { alertInput, decisionInput, inRecord, jsonDecode } from '../unit/siem/fixtures.ts';

const peers: Peer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) await p.stop();
});

const EFFECTS = ['allow', 'deny', 'modify', 'escalate'] as const;

function batch(n: number, partition = 0, first = 0): Batch {
  return {
    topic: 'arbiter.decisions', partition,
    records: Array.from({ length: n }, (_, k) => {
      const i = first + k;
      const input = i % 50 === 0 ? alertInput({ alertId: `al-${partition}-${i}` }) : decisionInput({ decisionId: `d-${partition}-${i}`, effect: EFFECTS[i % 4] });
      return inRecord(input, i, 'arbiter.decisions', partition);
    }),
  };
}

function forwarder(raw: Record<string, unknown>, delivery: Record<string, number> = {}) {
  const config = validateSiemConfig({
    ...raw, delivery: { maxAttempts: 4, baseBackoffMs: 20, maxBackoffMs: 200, batchSize: 100, requestTimeoutMs: 2000, ...delivery },
  });
  const letters: DeadLetter[] = [];
  const metrics = new MetricsRegistry();
  const fwd = createSiemForwarder(config, { decode: jsonDecode, metrics, dlq: { async write(ls) { letters.push(...ls); } } });
  const counter = (name: string) => {
    let s = 0;
    for (const line of metrics.render().split('\n')) if (line.startsWith(`arbiter_siem_${name}_total{`)) s += Number(line.split(' ').pop());
    return s;
  };
  return { fwd, letters, metrics, counter };
}

describe('Splunk HEC forwarder', () => {
  it('posts batched envelopes with the Splunk token; every event is valid OCSF and carries the GenAI fields', async () => {
    const peer = await startHecPeer('hec-token-1');
    peers.push(peer);
    const { fwd, letters, counter } = forwarder({ format: 'hec', peer: { url: peer.url, token: 'hec-token-1', index: 'arbiter' } });
    await Promise.all([fwd.processBatch(batch(250, 0)), fwd.processBatch(batch(250, 1))]);
    await fwd.close();
    expect(letters).toEqual([]);
    expect(peer.events).toHaveLength(500);
    expect(peer.requests).toBeLessThan(500 / 10); // batched, not one request per event
    const ids = new Set(peer.events.map((e) => (e['event'] as { metadata: { uid: string } }).metadata.uid));
    expect(ids.size).toBe(500);
    const decisionEnv = peer.events.find((e) => (e['fields'] as Record<string, string>)['arbiter.kind'] === 'decision');
    expect(decisionEnv?.['fields']).toMatchObject({ 'gen_ai.tool.name': 'send_email' });
    expect(decisionEnv?.['index']).toBe('arbiter');
    expect(peer.events.every((e) => validateOcsf(e['event']).length === 0)).toBe(true);
    expect(counter('delivered')).toBe(500);
  });

  it('retries a failing HEC (503), then dead-letters each event with its source position; counters add up', async () => {
    const peer = await startHecPeer('t');
    peers.push(peer);
    peer.failWith = 503;
    const { fwd, letters, counter } = forwarder({ format: 'hec', peer: { url: peer.url, token: 't' } }, { maxAttempts: 3 });
    expect((await fwd.processBatch(batch(10, 2, 40)))?.offset).toBe('50');
    await fwd.close();
    expect(peer.requests).toBe(3);
    expect(letters.map((l) => l.errorCode)).toEqual(new Array(10).fill('ARB_SIEM_RETRIES_EXHAUSTED'));
    expect(letters.map((l) => l.sourceOffset)).toEqual(['40', '41', '42', '43', '44', '45', '46', '47', '48', '49']);
    expect(letters.every((l) => l.sourceTopic === 'arbiter.decisions' && l.sourcePartition === 2)).toBe(true);
    expect(letters[0]?.message).toContain('ARB_SIEM_PEER_BUSY: HTTP 503');
    expect(counter('received')).toBe(10);
    expect(counter('dlq')).toBe(10);
    expect(counter('retries')).toBe(20);
  });

  it('a wrong token is retried (fixable config) and, once the budget is spent, dead-lettered — never logged', async () => {
    const peer = await startHecPeer('right');
    peers.push(peer);
    const { fwd, letters } = forwarder({ format: 'hec', peer: { url: peer.url, token: 'wrong-secret' } }, { maxAttempts: 2 });
    await fwd.processBatch(batch(2, 0, 1));
    await fwd.close();
    expect(peer.requests).toBe(2);
    expect(letters.map((l) => l.errorCode)).toEqual(['ARB_SIEM_RETRIES_EXHAUSTED', 'ARB_SIEM_RETRIES_EXHAUSTED']);
    expect(letters[0]?.message).toContain('HTTP 401');
    expect(JSON.stringify(letters.map((l) => l.message))).not.toContain('wrong-secret');
  });

  it('backs off while HEC is down and drains when it returns: every event arrives exactly once', async () => {
    const first = await startHecPeer('t');
    const port = first.port;
    await first.stop();
    const { fwd, letters, counter } = forwarder({ format: 'hec', peer: { url: `http://127.0.0.1:${port}`, token: 't' } }, { maxAttempts: 50, maxBackoffMs: 300 });
    const done = Promise.all([fwd.processBatch(batch(300, 0)), fwd.processBatch(batch(300, 1))]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(counter('delivered')).toBe(0);
    const peer = await startHecPeer('t', port);
    peers.push(peer);
    expect((await done).map((o) => o?.offset)).toEqual(['300', '300']);
    await fwd.close();
    expect(letters).toEqual([]);
    const ids = peer.events.map((e) => (e['event'] as { metadata: { uid: string } }).metadata.uid);
    expect(new Set(ids).size).toBe(600);
    expect(ids).toHaveLength(600); // connection refused fails whole requests, so no event was sent twice
    expect(counter('retries')).toBeGreaterThan(0);
  });
});

describe('Elastic ECS bulk forwarder', () => {
  it('indexes every document with create/_id, dead-letters only the one the peer rejects', async () => {
    const peer = await startBulkPeer();
    peers.push(peer);
    peer.rejectIds.add('d-0-7');
    const { fwd, letters, counter } = forwarder({ format: 'ecs', peer: { url: peer.url, index: 'logs-arbiter-test' } });
    await fwd.processBatch(batch(200, 0));
    expect(peer.docs.size).toBe(199);
    expect(letters.map((l) => [l.errorCode, l.sourceOffset])).toEqual([['ARB_SIEM_PEER_REJECTED', '7']]);
    expect(letters[0]?.message).toContain('mapper_parsing_exception');
    const doc = peer.docs.get('logs-arbiter-test/d-0-1') as Record<string, Record<string, unknown>>;
    expect(doc['gen_ai']).toEqual({ tool: { name: 'send_email', call: { id: 'p-1' } } });

    // Kafka redelivers the same batch (e.g. after a crash before commit): 409s count as delivered, no duplicates.
    await fwd.processBatch(batch(200, 0));
    await fwd.close();
    expect(peer.docs.size).toBe(199);
    expect(peer.conflicts).toBe(199);
    expect(counter('delivered')).toBe(398);
    expect(counter('dlq')).toBe(2);
  });

  it('retries a 429 (too many requests) peer until it recovers, then delivers everything', async () => {
    const peer = await startBulkPeer();
    peers.push(peer);
    peer.failWith = 429;
    const { fwd, letters } = forwarder({ format: 'ecs', peer: { url: peer.url, index: 'i' } }, { maxAttempts: 20 });
    const done = fwd.processBatch(batch(50, 0));
    await new Promise((r) => setTimeout(r, 300));
    peer.failWith = undefined;
    await done;
    await fwd.close();
    expect(peer.requests).toBeGreaterThan(1);
    expect(peer.docs.size).toBe(50);
    expect(letters).toEqual([]);
  });

  it('backs off while Elasticsearch is down and drains when it returns: exactly once in the index', async () => {
    const first = await startBulkPeer();
    const port = first.port;
    await first.stop();
    const { fwd, letters } = forwarder({ format: 'ecs', peer: { url: `http://127.0.0.1:${port}`, index: 'i' } }, { maxAttempts: 50, maxBackoffMs: 300 });
    const done = fwd.processBatch(batch(400, 3));
    await new Promise((r) => setTimeout(r, 1500));
    const peer = await startBulkPeer(port);
    peers.push(peer);
    expect((await done)?.offset).toBe('400');
    await fwd.close();
    expect(letters).toEqual([]);
    expect(peer.docs.size).toBe(400);
  });
});

describe('OCSF over HTTP forwarder', () => {
  it('posts ndjson OCSF events the peer validates against the class required attributes', async () => {
    const peer = await startOcsfPeer();
    peers.push(peer);
    const { fwd, letters, metrics } = forwarder({ format: 'ocsf', validateOcsf: true, peer: { url: peer.url } });
    await fwd.processBatch(batch(200, 0));
    await fwd.close();
    expect(letters).toEqual([]);
    expect(peer.events).toHaveLength(200);
    const classes = new Map<number, number>();
    for (const e of peer.events) classes.set(e['class_uid'] as number, (classes.get(e['class_uid'] as number) ?? 0) + 1);
    // i % 4 picks the effect; the 4 alerts (i = 0, 50, 100, 150) take two allow and two modify slots
    expect(classes.get(2004)).toBe(104); // 50 deny + 50 escalate + 4 alerts
    expect(classes.get(6003)).toBe(96); // 48 allow + 48 modify
    const text = metrics.render();
    expect(text).toContain('# TYPE arbiter_siem_delivered_total counter');
    expect(text).toContain('arbiter_siem_delivered_total{format="ocsf"} 200');
    expect(text).toMatch(/arbiter_siem_request_seconds_count\{format="ocsf"\} \d+/);
  });
});
