// Starts a real rsyslogd (Debian package "rsyslog", plus "rsyslog-gnutls" for TLS) as a non-daemon child on a
// free loopback port with a generated config, for integration tests and benchmarks of the CEF/syslog forwarder.
// TLS material is generated with openssl into the run's temp dir (a throwaway CA and a localhost server cert).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RsyslogReceiver {
  readonly port: number;
  readonly outFile: string;
  /** PEM of the CA that signed the server cert (TLS only). */
  readonly caPem?: string;
  readonly pid: number;
  /** Raw messages written so far, one per line (RFC 5424 text without the octet count). */
  readMessages(): string[];
  /** Messages written so far, counted incrementally (cheap to poll on a large file). */
  count(): number;
  /** Polls until at least n messages were written or the deadline passes; returns what is there. */
  waitForMessages(n: number, timeoutMs: number): Promise<string[]>;
  /** Stops this rsyslogd (SIGTERM to its pid) and waits for it to exit; keepFiles leaves the temp dir. */
  stop(keepFiles?: boolean): Promise<void>;
}

export const RSYSLOGD = process.env['ARBITER_RSYSLOGD'] ?? '/usr/sbin/rsyslogd';

export function rsyslogAvailable(): boolean {
  return existsSync(RSYSLOGD);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A CA and a server cert for localhost/127.0.0.1 (P-256, valid one day); reused if the dir already has them. */
export function makeTestCerts(dir: string): { ca: string; cert: string; key: string } {
  const p = (f: string) => join(dir, f);
  if (existsSync(p('server.pem'))) return { ca: p('ca.pem'), cert: p('server.pem'), key: p('server.key') };
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '1', '-subj', '/CN=arbiter-test-ca']);
  run(['req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost']);
  writeFileSync(p('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-out', p('server.pem'), '-days', '1', '-extfile', p('san.ext')]);
  return { ca: p('ca.pem'), cert: p('server.pem'), key: p('server.key') };
}

async function waitListening(port: number, child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`rsyslogd exited with ${child.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`rsyslogd did not listen on 127.0.0.1:${port} within ${timeoutMs} ms: ${stderr()}`);
}

export async function startRsyslogReceiver(options: { tls: boolean; port?: number; dir?: string }): Promise<RsyslogReceiver> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'arbiter-rsyslog-'));
  const port = options.port ?? (await freePort());
  const outFile = join(dir, 'received.log');
  const certs = options.tls ? makeTestCerts(dir) : undefined;
  const template = readFileSync(join(import.meta.dirname, 'receiver.conf.tmpl'), 'utf8');
  const conf = template
    .replaceAll('{{WORK}}', dir)
    .replaceAll('{{PORT}}', String(port))
    .replaceAll('{{OUT}}', outFile)
    .replace('{{TLS_GLOBAL}}', certs === undefined ? '' : [
      '  defaultNetstreamDriver="gtls"',
      `  defaultNetstreamDriverCAFile="${certs.ca}"`,
      `  defaultNetstreamDriverCertFile="${certs.cert}"`,
      `  defaultNetstreamDriverKeyFile="${certs.key}"`,
    ].join('\n'))
    .replace('{{TLS_MODULE}}', certs === undefined ? '' : ' streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon"');
  const confFile = join(dir, 'rsyslog.conf');
  writeFileSync(confFile, conf);
  let err = '';
  const child = spawn(RSYSLOGD, ['-n', '-f', confFile, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => { err += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  try {
    await waitListening(port, child, 10_000, () => err);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const readMessages = () => (existsSync(outFile) ? readFileSync(outFile, 'utf8').split('\n').filter((l) => l !== '') : []);
  let counted = 0;
  let countedBytes = 0;
  const count = () => {
    if (!existsSync(outFile)) return 0;
    const size = statSync(outFile).size;
    if (size > countedBytes) {
      const fd = openSync(outFile, 'r');
      try {
        const buf = Buffer.alloc(size - countedBytes);
        const n = readSync(fd, buf, 0, buf.length, countedBytes);
        for (let i = 0; i < n; i++) if (buf[i] === 0x0a) counted += 1;
        countedBytes += n;
      } finally {
        closeSync(fd);
      }
    }
    return counted;
  };
  return {
    port, outFile, pid: child.pid ?? -1,
    ...(certs !== undefined ? { caPem: readFileSync(certs.ca, 'utf8') } : {}),
    readMessages,
    count,
    async waitForMessages(n, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let msgs = readMessages();
      while (msgs.length < n && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        msgs = readMessages();
      }
      return msgs;
    },
    async stop(keepFiles = false) {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      if (!keepFiles && options.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
