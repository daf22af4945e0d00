import { describe, expect, it } from 'vitest';
import { compileCidrSet, compileDomainSet, compileGlob, compileHostSet, compilePathSet, hostOf, normalisePath, parseCidr } from '../../../processors/policy/matchers.ts';

describe('matchers', () => {
  it('globs tool names', () => {
    const g = compileGlob('ticket.*');
    expect(g('ticket.read')).toBe(true);
    expect(g('tickets.read')).toBe(false);
    expect(compileGlob('*')('anything')).toBe(true);
    expect(compileGlob('a*b*c')('a-b-c')).toBe(true);
    expect(compileGlob('a*b*c')('a-c')).toBe(false);
    expect(compileGlob('ab*ba')('aba')).toBe(false);
  });

  it('extracts hosts from e-mail addresses, URLs and hosts', () => {
    expect(hostOf('Bob@Mail.Example.COM')).toBe('mail.example.com');
    expect(hostOf('https://user:pw@api.example.com:8443/p?q=1')).toBe('api.example.com');
    expect(hostOf('http://[::1]:80/')).toBe('::1');
    expect(hostOf('example.org.')).toBe('example.org');
  });

  it('matches domains with subdomains, and *. entries with subdomains only', () => {
    const d = compileDomainSet(['example.com', '*.corp.example']);
    expect(d('example.com')).toBe(true);
    expect(d('a.example.com')).toBe(true);
    expect(d('badexample.com')).toBe(false);
    expect(d('corp.example')).toBe(false);
    expect(d('x.corp.example')).toBe(true);
  });

  it('matches hosts exactly or by glob', () => {
    const h = compileHostSet(['api.example.com', 'cdn-*.example.net']);
    expect(h('api.example.com')).toBe(true);
    expect(h('sub.api.example.com')).toBe(false);
    expect(h('cdn-7.example.net')).toBe(true);
  });

  it('normalises paths before prefix checks', () => {
    expect(normalisePath('/a/./b/../c//d')).toBe('/a/c/d');
    expect(normalisePath('/../../etc')).toBe('/etc');
    const under = compilePathSet(['/workspace']);
    expect(under('/workspace/x')).toBe(true);
    expect(under('/workspace')).toBe(true);
    expect(under('/workspace/../etc/passwd')).toBe(false);
    expect(under('/workspace2')).toBe(false);
  });

  it('matches IPv4 and IPv6 CIDR ranges', () => {
    const set = compileCidrSet([parseCidr('10.0.0.0/8')!, parseCidr('2001:db8::/32')!, parseCidr('192.168.1.7')!]);
    expect(set('10.1.2.3')).toBe(true);
    expect(set('11.1.2.3')).toBe(false);
    expect(set('http://10.0.0.1/admin')).toBe(true);
    expect(set('2001:db8:1::5')).toBe(true);
    expect(set('2001:db9::1')).toBe(false);
    expect(set('192.168.1.7')).toBe(true);
    expect(set('192.168.1.8')).toBe(false);
    expect(set('not an ip')).toBe(false);
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('300.0.0.1')).toBeUndefined();
  });
});
