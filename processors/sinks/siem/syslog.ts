// RFC 5424 syslog messages and RFC 6587 octet-counting framing (also the framing RFC 5425 mandates over TLS).
// Pure functions; the socket side is syslog-sink.ts.
import type { SyslogPeerConfig } from './config.ts';
import type { Severity } from './input.ts';

/** Our severity onto syslog's 0 (emergency) .. 7 (debug). */
export const SYSLOG_SEVERITY: Readonly<Record<Severity, number>> = { info: 6, low: 5, medium: 4, high: 3, critical: 2 };

/** PRINTUSASCII (33..126) only; anything else becomes "_" so a header field can never break the frame. */
function headerToken(v: string, maxLen: number): string {
  const t = v.replace(/[^\x21-\x7e]/g, '_').slice(0, maxLen);
  return t === '' ? '-' : t;
}

export interface SyslogHeader {
  readonly facility: number;
  readonly severity: Severity;
  readonly timeMs: number;
  readonly hostname: string;
  readonly appName: string;
  readonly msgId: string;
}

/** One RFC 5424 message: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG (no BOM; MSG is UTF-8). */
export function syslog5424(h: SyslogHeader, msg: string): string {
  const pri = h.facility * 8 + SYSLOG_SEVERITY[h.severity];
  const ts = new Date(h.timeMs).toISOString();
  return `<${pri}>1 ${ts} ${headerToken(h.hostname, 255)} ${headerToken(h.appName, 48)} - ${headerToken(h.msgId, 32)} - ${msg}`;
}

/** RFC 6587 3.4.1 octet counting: MSG-LEN SP SYSLOG-MSG, where MSG-LEN counts bytes, not characters. */
export function octetFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

/** Splits a stream of octet-counted frames; returns the messages and the unconsumed tail. Used by tests and peers. */
export function parseOctetFrames(buf: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let pos = 0;
  for (;;) {
    const sp = buf.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = Number(buf.subarray(pos, sp).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0) throw new Error(`bad octet-count frame at byte ${pos}`);
    if (sp + 1 + len > buf.length) break;
    messages.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
    pos = sp + 1 + len;
  }
  return { messages, rest: buf.subarray(pos) };
}

export function syslogHeaderFor(peer: SyslogPeerConfig, severity: Severity, timeMs: number, msgId: string): SyslogHeader {
  return { facility: peer.facility, severity, timeMs, hostname: peer.hostname, appName: peer.appName, msgId };
}
