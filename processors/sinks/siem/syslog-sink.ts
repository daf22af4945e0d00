// Syslog over TCP (RFC 6587 octet counting) or TLS (RFC 5425), one long-lived connection per forwarder.
// A batch is written as one buffer of frames; success means the kernel accepted every byte (write callback).
// Limit stated plainly: syslog over TCP has no application acknowledgement, so bytes accepted by the kernel
// just before the peer dies can be lost without the sender knowing (RELP exists to fix that). We narrow the
// window by never writing into a connection the peer has closed (we watch 'end'/'close') and by reconnecting
// on any error; every write error makes the whole batch retryable.
import net from 'node:net';
import tls from 'node:tls';
import type { SyslogPeerConfig } from './config.ts';
import { failAll, OK, type ItemOutcome, type SiemSink } from './sink.ts';
import { octetFrame } from './syslog.ts';

/** SNI and certificate name: the configured one, else the host unless it is an IP (RFC 6066 forbids IPs in SNI). */
function serverName(peer: SyslogPeerConfig): { servername?: string } {
  const name = peer.tls?.servername ?? (net.isIP(peer.host) === 0 ? peer.host : undefined);
  return name === undefined ? {} : { servername: name };
}

export function syslogSink(peer: SyslogPeerConfig, timeoutMs: number): SiemSink {
  let socket: net.Socket | undefined;
  let broken = true;

  function connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = peer.tls !== undefined
        ? tls.connect({ host: peer.host, port: peer.port, ca: peer.tls.ca, ...serverName(peer) })
        : net.connect({ host: peer.host, port: peer.port });
      const timer = setTimeout(() => s.destroy(new Error(`connect to ${peer.host}:${peer.port} timed out after ${timeoutMs} ms`)), timeoutMs);
      const fail = (e: Error) => {
        clearTimeout(timer);
        reject(e);
      };
      s.once('error', fail);
      s.once(peer.tls !== undefined ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        s.off('error', fail);
        s.setNoDelay(true);
        s.setKeepAlive(true, 10_000);
        broken = false;
        const markBroken = () => { broken = true; };
        s.on('error', markBroken);
        s.on('end', markBroken);
        s.on('close', markBroken);
        s.on('data', () => {}); // syslog peers send nothing; drain anyway so 'end' is seen
        resolve(s);
      });
    });
  }

  function write(s: net.Socket, buf: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`write to ${peer.host}:${peer.port} not accepted within ${timeoutMs} ms`)), timeoutMs);
      s.write(buf, (err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  return {
    async deliver(items): Promise<ItemOutcome[]> {
      try {
        if (socket === undefined || broken || socket.destroyed) {
          socket?.destroy();
          socket = await connect();
        }
        await write(socket, Buffer.concat(items.map((i) => octetFrame(i.payload))));
        if (broken) throw new Error('connection closed by the peer during the write');
        return new Array<ItemOutcome>(items.length).fill(OK);
      } catch (e) {
        broken = true;
        socket?.destroy();
        socket = undefined;
        return failAll(items.length, true, 'ARB_SIEM_PEER_UNAVAILABLE', `${peer.tls !== undefined ? 'tls' : 'tcp'}://${peer.host}:${peer.port}: ${(e as Error).message}`);
      }
    },
    async close() {
      const s = socket;
      socket = undefined;
      if (s === undefined || s.destroyed) return;
      await new Promise<void>((resolve) => {
        s.end(() => resolve());
        setTimeout(resolve, 1000).unref();
      });
      s.destroy();
    },
  };
}
