// Value matchers used by compiled conditions: tool-name globs, hosts and domains, file paths, CIDR ranges.
// Each compile* function runs once at compile time and returns a small predicate for the hot path.

/** `*` matches any run of characters (dots included); everything else is literal. */
export function compileGlob(pattern: string): (s: string) => boolean {
  if (!pattern.includes('*')) return (s) => s === pattern;
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  const middle = parts.slice(1, -1).filter((p) => p !== '');
  return (s) => {
    if (s.length < first.length + last.length || !s.startsWith(first) || !s.endsWith(last)) return false;
    let at = first.length;
    const end = s.length - last.length;
    for (const m of middle) {
      const i = s.indexOf(m, at);
      if (i < 0 || i + m.length > end) return false;
      at = i + m.length;
    }
    return true;
  };
}

export function isGlob(pattern: string): boolean {
  return pattern.includes('*');
}

/** The host part of an e-mail address, URL or bare host, lower-cased, without a trailing dot; "" when there is none. */
export function hostOf(value: string): string {
  let v = value;
  const scheme = v.indexOf('://');
  if (scheme >= 0) {
    v = v.slice(scheme + 3);
    let cut = v.length;
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c === 47 || c === 63 || c === 35) {
        cut = i;
        break;
      }
    }
    v = v.slice(0, cut);
    const userInfo = v.lastIndexOf('@');
    if (userInfo >= 0) v = v.slice(userInfo + 1);
    if (v.startsWith('[')) return v.slice(1, v.indexOf(']')).toLowerCase();
    const colon = v.lastIndexOf(':');
    if (colon >= 0) v = v.slice(0, colon);
  } else {
    const at = v.lastIndexOf('@');
    if (at >= 0 && !v.includes('/')) v = v.slice(at + 1);
  }
  v = v.trim().toLowerCase();
  return v.endsWith('.') ? v.slice(0, -1) : v;
}

/**
 * Domain allow-list entry semantics: "example.com" matches example.com and every subdomain;
 * "*.example.com" matches subdomains only; a bare "*" matches everything.
 */
export function compileDomainSet(entries: readonly string[]): (host: string) => boolean {
  const withSubdomains = new Set<string>();
  const subdomainsOnly = new Set<string>();
  let any = false;
  for (const raw of entries) {
    const e = raw.toLowerCase().trim();
    if (e === '*') any = true;
    else if (e.startsWith('*.')) subdomainsOnly.add(e.slice(2));
    else withSubdomains.add(e);
  }
  // Walks the host's parent domains (a.b.example.com -> b.example.com -> example.com -> com): O(labels) lookups.
  return (host) => {
    if (any) return host !== '';
    if (withSubdomains.has(host)) return true;
    let dot = host.indexOf('.');
    while (dot >= 0) {
      const parent = host.slice(dot + 1);
      if (withSubdomains.has(parent) || subdomainsOnly.has(parent)) return true;
      dot = host.indexOf('.', dot + 1);
    }
    return false;
  };
}

/** Host set semantics: exact host names, or globs ("api.*.example.com"). */
export function compileHostSet(entries: readonly string[]): (host: string) => boolean {
  const exact = new Set<string>();
  const globs: ((s: string) => boolean)[] = [];
  for (const raw of entries) {
    const e = raw.toLowerCase().trim();
    if (isGlob(e)) globs.push(compileGlob(e));
    else exact.add(e);
  }
  return (host) => exact.has(host) || globs.some((g) => g(host));
}

/** Normalises a POSIX path: collapses "//", resolves "." and ".." (never above the root). */
export function normalisePath(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(seg);
  }
  return (abs ? '/' : '') + out.join('/');
}

/** True when the normalised path equals a prefix or lies below it (segment boundary, so /data2 is not under /data). */
export function compilePathSet(prefixes: readonly string[]): (path: string) => boolean {
  const norm = prefixes.map((p) => normalisePath(p));
  return (path) => {
    const n = normalisePath(path);
    for (const p of norm) {
      if (n === p) return true;
      if (p === '/' ? n.startsWith('/') : n.startsWith(p + '/')) return true;
    }
    return false;
  };
}

/** An IP address as 8 16-bit groups (IPv4 mapped into ::ffff:0:0/96), or undefined if not an address. */
export function parseIp(s: string): number[] | undefined {
  const v = s.trim();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) {
    const o = v.split('.').map(Number);
    if (o.some((x) => x > 255)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = o;
    return [0, 0, 0, 0, 0, 0xffff, (a << 8) | b, (c << 8) | d];
  }
  if (!/^[0-9a-fA-F:.]+$/.test(v) || !v.includes(':')) return undefined;
  const halves = v.split('::');
  if (halves.length > 2) return undefined;
  const parseHalf = (h: string): number[] | undefined => {
    if (h === '') return [];
    const groups: number[] = [];
    for (const g of h.split(':')) {
      if (g.includes('.')) {
        const v4 = parseIp(g);
        if (v4 === undefined) return undefined;
        groups.push(v4[6] ?? 0, v4[7] ?? 0);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        groups.push(parseInt(g, 16));
      }
    }
    return groups;
  };
  const head = parseHalf(halves[0] ?? '');
  const tail = halves.length === 2 ? parseHalf(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const fill = 8 - head.length - tail.length;
  if (fill < 1) return undefined;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}

export interface Cidr {
  readonly groups: readonly number[];
  readonly bits: number;
}

/** Parses "10.0.0.0/8", "2001:db8::/32" or a single address; IPv4 prefixes are shifted into the mapped range. */
export function parseCidr(s: string): Cidr | undefined {
  const [addr = '', len] = s.split('/');
  const groups = parseIp(addr);
  if (groups === undefined) return undefined;
  const v4 = !addr.includes(':');
  const max = v4 ? 32 : 128;
  const n = len === undefined ? max : Number(len);
  if (!Number.isInteger(n) || n < 0 || n > max) return undefined;
  return { groups, bits: v4 ? n + 96 : n };
}

export function compileCidrSet(cidrs: readonly Cidr[]): (ip: string) => boolean {
  return (ip) => {
    const g = parseIp(hostOf(ip));
    if (g === undefined) return false;
    for (const c of cidrs) if (inCidr(g, c)) return true;
    return false;
  };
}

function inCidr(g: readonly number[], c: Cidr): boolean {
  let bits = c.bits;
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if (((g[i] ?? 0) & mask) !== ((c.groups[i] ?? 0) & mask)) return false;
  }
  return true;
}
