// CEF over RFC 5424 syslog into a real rsyslogd (Debian package) on loopback, over TCP (RFC 6587 octet counting)
// and TLS (RFC 5425). rsyslog writes each raw message to a file; the test parses every line back (syslog header,
// CEF header and extension with escapes) and checks that each record sent arrived.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startRsyslogReceiver, type RsyslogReceiver } from '../../deploy/local/rsyslog/receiver.ts';
import { MetricsRegistry } from '../../processors/core/metrics.ts';
import type { Batch } from '../../processors/runtime/transport/transport.ts';
import { validateSiemConfig } from '../../processors/sinks/siem/config.ts';
import type { DeadLetter } from '../../processors/sinks/siem/dlq.ts';
import { createSiemForwarder } from '../../processors/sinks/siem/index.ts';
import { parseCef, parseSyslog5424 } from '../unit/siem/cef-reader.ts';
import { alertInput, decisionInput, inRecord, jsonDecode } from '../unit/siem/fixtures.ts';

const receivers: RsyslogReceiver[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const EFFECTS = ['allow', 'deny', 'modify', 'escalate'] as const;
const HOSTILE_REASON = 'pipe | equals = backslash \\ newline\nend';

function batch(n: number, partition = 0): Batch {
  return {
    topic: 'arbiter.decisions', partition,
    records: Array.from({ length: n }, (_, i) => inRecord(
      i === 0 ? alertInput({ alertId: `al-${partition}` })
        : decisionInput({ decisionId: `d-${partition}-${i}`, effect: EFFECTS[i % 4], reasons: [HOSTILE_REASON], tool: i % 7 === 0 ? 'tool|with\\pipe' : 'send_email' }),
      i, 'arbiter.decisions', partition,
    )),
  };
}

function cefForwarder(port: number, ca: string | undefined, delivery: Record<string, number> = {}) {
  const config = validateSiemConfig({
    format: 'cef',
    peer: { host: '127.0.0.1', port, hostname: 'arbiter-test', ...(ca !== undefined ? { tls: { ca, servername: 'localhost' } } : {}) },
    delivery: { maxAttempts: 5, baseBackoffMs: 50, maxBackoffMs: 400, batchSize: 100, requestTimeoutMs: 2000, ...delivery },
  });
  const letters: DeadLetter[] = [];
  const metrics = new MetricsRegistry();
  const fwd = createSiemForwarder(config, { decode: jsonDecode, metrics, dlq: { async write(ls) { letters.push(...ls); } } });
  return { fwd, letters, metrics };
}

function checkReceived(lines: string[], n: number): void {
  const ids = new Set<string>();
  for (const line of lines) {
    const sys = parseSyslog5424(line);
    expect(sys.version).toBe('1');
    expect(sys.hostname).toBe('arbiter-test');
    expect(sys.appName).toBe('arbiter');
    const { header, ext } = parseCef(sys.msg);
    expect(header[0]).toBe('CEF:0');
    const id = ext['externalId'] ?? '';
    ids.add(id);
    if (id.startsWith('d-')) {
      expect(ext['msg']).toBe(HOSTILE_REASON);
      expect(ext['cs1Label']).toBe('gen_ai.tool.name');
      expect(['send_email', 'tool|with\\pipe']).toContain(ext['cs1']);
      expect(header[5]).toBe(`${ext['act']} ${ext['cs1']}`);
      const syslogSeverity: Record<string, number> = { allow: 6, modify: 5, escalate: 4, deny: 3 };
      expect(sys.pri).toBe(13 * 8 + (syslogSeverity[ext['act'] ?? ''] ?? -1));
    }
  }
  expect(ids.size).toBe(n);
}

describe.each([['TCP', false], ['TLS', true]] as const)('CEF over syslog %s into rsyslog', (_name, tls) => {
  it('delivers every record, parseable back with escapes intact, and commits after delivery', async () => {
    const r = await startRsyslogReceiver({ tls });
    receivers.push(r);
    const { fwd, letters, metrics } = cefForwarder(r.port, r.caPem);
    const offsets = await Promise.all([fwd.processBatch(batch(150, 0)), fwd.processBatch(batch(150, 1))]);
    expect(offsets.map((o) => o?.offset)).toEqual(['150', '150']);
    const lines = await r.waitForMessages(300, 15_000);
    expect(lines).toHaveLength(300);
    checkReceived(lines, 300);
    expect(letters).toEqual([]);
    expect(metrics.render()).toContain('arbiter_siem_delivered_total{format="cef"} 300');
    await fwd.close();
  });

  it('backs off while rsyslog is down and drains when it comes up: nothing lost', async () => {
    const port = await freePort();
    // TLS needs the receiver's CA before it exists: start it once to make certs, stop it, restart later on the same port and dir.
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-rsyslog-down-'));
    dirs.push(dir);
    let ca: string | undefined;
    if (tls) {
      const first = await startRsyslogReceiver({ tls, port, dir });
      ca = first.caPem;
      await first.stop(true);
    }
    const { fwd, letters, metrics } = cefForwarder(port, ca, { maxAttempts: 30, baseBackoffMs: 50, maxBackoffMs: 300 });
    const t0 = Date.now();
    const done = fwd.processBatch(batch(100, 0));
    await new Promise((res) => setTimeout(res, 1500));
    expect(metrics.counter('arbiter_siem_delivered_total', '', ['format']).get({ format: 'cef' })).toBe(0);
    const r = await startRsyslogReceiver({ tls, port, dir });
    receivers.push(r);
    expect((await done)?.offset).toBe('100');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    const lines = await r.waitForMessages(100, 15_000);
    checkReceived(lines, 100);
    expect(lines).toHaveLength(100); // the peer was down for whole batches only, so nothing was sent twice
    expect(letters).toEqual([]);
    expect(metrics.counter('arbiter_siem_retries_total', '', ['format']).get({ format: 'cef' })).toBeGreaterThan(0);
    await fwd.close();
  });
});

describe('CEF over syslog TLS verification', () => {
  it('refuses a server whose certificate the configured CA did not sign, retries, then dead-letters', async () => {
    const r = await startRsyslogReceiver({ tls: true });
    receivers.push(r);
    const other = await startRsyslogReceiver({ tls: true }); // a second, unrelated CA
    receivers.push(other);
    const { fwd, letters } = cefForwarder(r.port, other.caPem, { maxAttempts: 2, baseBackoffMs: 10, maxBackoffMs: 20 });
    await fwd.processBatch(batch(3, 0));
    expect(letters.map((l) => l.errorCode)).toEqual(['ARB_SIEM_RETRIES_EXHAUSTED', 'ARB_SIEM_RETRIES_EXHAUSTED', 'ARB_SIEM_RETRIES_EXHAUSTED']);
    expect(letters[0]?.message).toMatch(/ARB_SIEM_PEER_UNAVAILABLE: tls:\/\/127\.0\.0\.1:\d+: .*certificate/i);
    expect(r.readMessages()).toEqual([]);
    await fwd.close();
  });
});
