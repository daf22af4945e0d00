import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { octetFrame, parseOctetFrames, syslog5424 } from '../../../processors/sinks/siem/syslog.ts';

const header = { facility: 13, severity: 'high' as const, timeMs: 1_700_000_000_123, hostname: 'gw-1', appName: 'arbiter', msgId: 'decision' };

describe('RFC 5424 message', () => {
  it('computes PRI as facility * 8 + severity and writes the version, ISO timestamp and nil PROCID/SD', () => {
    expect(syslog5424(header, 'CEF:0|x')).toBe('<107>1 2023-11-14T22:13:20.123Z gw-1 arbiter - decision - CEF:0|x');
    expect(syslog5424({ ...header, facility: 0, severity: 'info' }, 'm').startsWith('<6>1 ')).toBe(true);
    expect(syslog5424({ ...header, facility: 23, severity: 'critical' }, 'm').startsWith('<186>1 ')).toBe(true);
  });

  it('keeps header fields to printable ASCII without spaces and within RFC length limits', () => {
    const m = syslog5424({ ...header, hostname: 'bad host\n', appName: 'a'.repeat(60), msgId: '' }, 'x');
    const [, , host, app, procid, msgid] = m.split(' ');
    expect(host).toBe('bad_host_');
    expect(app).toHaveLength(48);
    expect(procid).toBe('-');
    expect(msgid).toBe('-');
  });
});

describe('RFC 6587 octet counting', () => {
  it('counts bytes, not characters', () => {
    expect(octetFrame('héllo').toString('utf8')).toBe('6 héllo');
    expect(octetFrame('a b\nc').toString('utf8')).toBe('5 a b\nc');
  });

  it('parses back any sequence of frames, keeping an incomplete tail', () => {
    fc.assert(fc.property(fc.array(fc.string({ minLength: 1, unit: 'grapheme' }), { maxLength: 20 }), fc.nat(), (msgs, cut) => {
      const stream = Buffer.concat(msgs.map(octetFrame));
      const whole = parseOctetFrames(stream);
      expect(whole.messages).toEqual(msgs);
      expect(whole.rest.length).toBe(0);
      const at = stream.length === 0 ? 0 : cut % stream.length;
      const first = parseOctetFrames(stream.subarray(0, at));
      const second = parseOctetFrames(Buffer.concat([first.rest, stream.subarray(at)]));
      expect([...first.messages, ...second.messages]).toEqual(msgs);
    }));
  });

  it('rejects a frame whose length is not a number', () => {
    expect(() => parseOctetFrames(Buffer.from('xx hello'))).toThrow(/bad octet-count frame/);
  });
});
