// Test-side readers for what the CEF forwarder sends: independent of the formatter, so tests check real escaping.

/** A strict CEF reader for the tests: splits 7 header fields on unescaped pipes, then key=value pairs. */
export function parseCef(line: string): { header: string[]; ext: Record<string, string> } {
  const header: string[] = [];
  let cur = '';
  let i = 0;
  while (header.length < 7) {
    const c = line[i];
    if (c === undefined) throw new Error('short header');
    if (c === '\\') {
      const n = line[i + 1];
      if (n !== '\\' && n !== '|') throw new Error(`bad header escape \\${n}`);
      cur += n;
      i += 2;
    } else if (c === '|') {
      header.push(cur);
      cur = '';
      i += 1;
    } else {
      cur += c;
      i += 1;
    }
  }
  const rest = line.slice(i);
  const ext: Record<string, string> = {};
  // keys are [A-Za-z0-9]+ followed by an unescaped '='; values run to the next " key=".
  const re = /(?:^| )([A-Za-z0-9]+)=((?:\\.|[^\\])*?)(?= [A-Za-z0-9]+=|$)/gs;
  for (const m of rest.matchAll(re)) {
    const raw = m[2] ?? '';
    ext[m[1] ?? ''] = raw.replace(/\\(.)/gs, (_, ch: string) => (ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch));
  }
  return { header, ext };
}

/** Splits an RFC 5424 line into its header fields and MSG (SD must be NILVALUE, as Arbiter sends). */
export function parseSyslog5424(line: string): { pri: number; version: string; timestamp: string; hostname: string; appName: string; procId: string; msgId: string; msg: string } {
  const m = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) - (.*)$/s.exec(line);
  if (m === null) throw new Error(`not an RFC 5424 line with nil SD: ${line.slice(0, 80)}`);
  return { pri: Number(m[1]), version: m[2] ?? '', timestamp: m[3] ?? '', hostname: m[4] ?? '', appName: m[5] ?? '', procId: m[6] ?? '', msgId: m[7] ?? '', msg: m[8] ?? '' };
}
