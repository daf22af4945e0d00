import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeCefExtension, escapeCefHeader, toCef } from '../../../processors/sinks/siem/cef.ts';
import { parseCef } from './cef-reader.ts';
import { alertInput, decisionInput } from './fixtures.ts';

describe('CEF escaping', () => {
  it('escapes pipes and backslashes in header fields and flattens newlines', () => {
    expect(escapeCefHeader('a|b\\c')).toBe('a\\|b\\\\c');
    expect(escapeCefHeader('line1\nline2\r\nline3\rx')).toBe('line1 line2 line3 x');
    expect(escapeCefHeader('a=b')).toBe('a=b');
  });

  it('escapes backslash, equals and newlines in extension values but leaves pipes', () => {
    expect(escapeCefExtension('a=b')).toBe('a\\=b');
    expect(escapeCefExtension('c:\\temp')).toBe('c:\\\\temp');
    expect(escapeCefExtension('x\ny')).toBe('x\\ny');
    expect(escapeCefExtension('x\r\ny')).toBe('x\\ny');
    expect(escapeCefExtension('x\ry')).toBe('x\\ry');
    expect(escapeCefExtension('a|b')).toBe('a|b');
    // backslash first: an "=" after a literal backslash becomes \\\= , not \\=
    expect(escapeCefExtension('\\=')).toBe('\\\\\\=');
  });
});

describe('toCef', () => {
  it('formats a deny decision with severity 8, the effect as signature and the GenAI tool fields', () => {
    const line = toCef(decisionInput());
    expect(line.startsWith('CEF:0|Arbiter|Arbiter|0.1.0|tool_call_deny|deny send_email|8|')).toBe(true);
    const { ext } = parseCef(line);
    expect(ext['cs1Label']).toBe('gen_ai.tool.name');
    expect(ext['cs1']).toBe('send_email');
    expect(ext['cs2Label']).toBe('gen_ai.tool.call.id');
    expect(ext['cs2']).toBe('p-1');
    expect(ext['act']).toBe('deny');
    expect(ext['rt']).toBe('1700000000123');
    expect(ext['externalId']).toBe('d-1');
  });

  it('round-trips hostile values through header and extension escaping', () => {
    const tool = 'evil|tool\\name\nx';
    const reason = 'a=b | c\\d\r\nsecond line';
    const line = toCef(decisionInput({ tool, reasons: [reason], argsMinimised: { q: 'k=v\\' } }));
    expect(line).not.toMatch(/[\r\n]/);
    const { header, ext } = parseCef(line);
    expect(header[5]).toBe('deny evil|tool\\name x');
    expect(ext['cs1']).toBe(tool);
    expect(ext['msg']).toBe('a=b | c\\d\nsecond line'); // CRLF is normalised to one newline
    expect(JSON.parse(ext['cs6'] ?? '')).toEqual({ q: 'k=v\\' });
  });

  it('formats an alert as alert_<kind> with critical severity 10 and no tool fields', () => {
    const line = toCef(alertInput());
    const { header, ext } = parseCef(line);
    expect(header.slice(4)).toEqual(['alert_cross_session_exfiltration', 'cross_session_exfiltration', '10']);
    expect(ext['cs1']).toBeUndefined();
    expect(ext['cs4']).toBe('s-1,s-2');
  });

  it('carries only minimised arguments', () => {
    const line = toCef(decisionInput({ argsMinimised: { to: 'sha256:1234', body: '[redacted:pii]' } }));
    expect(parseCef(line).ext['cs6']).toBe('{"to":"sha256:1234","body":"[redacted:pii]"}');
  });

  it('round-trips any text in header and extension fields (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '|', '\\', '=', '\n', '\r', 'é', '😀', 'k=') , maxLength: 30 });
    fc.assert(fc.property(text.filter((t) => t.trim() !== ''), text, text, (tool, reason, arg) => {
      const line = toCef(decisionInput({ tool, reasons: [reason], argsMinimised: { a: arg } }));
      expect(line).not.toMatch(/[\r\n]/);
      const { header, ext } = parseCef(line);
      expect(header).toHaveLength(7);
      expect(header[5]).toBe(`deny ${tool.replace(/\r\n|\r|\n/g, ' ')}`);
      expect(ext['cs1']).toBe(tool.replace(/\r\n/g, '\n'));
      expect(ext['msg'] ?? '').toBe(reason.replace(/\r\n/g, '\n'));
      expect(JSON.parse(ext['cs6'] ?? '')).toEqual({ a: arg });
    }), { numRuns: 300 });
  });
});
