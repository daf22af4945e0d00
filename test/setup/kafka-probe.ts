// Asks a Kafka broker which protocol versions it speaks (ApiVersions v0, the one request every broker answers).
// Used to prove a real broker answers, and to describe a broker whose software version we did not start ourselves:
// the Kafka protocol does not report the broker's release, so its API ranges stand in as a fingerprint.
import { connect } from 'node:net';

export interface ApiRange { readonly min: number; readonly max: number }

const API_VERSIONS_KEY = 18;
const NAMES: Readonly<Record<number, string>> = { 0: 'Produce', 1: 'Fetch', 3: 'Metadata', 22: 'InitProducerId', 68: 'ConsumerGroupHeartbeat' };

export function probeApiVersions(host: string, port: number, timeoutMs = 5000): Promise<Map<number, ApiRange>> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => socket.destroy(new Error(`no ApiVersions reply from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    let buf = Buffer.alloc(0);
    socket.on('connect', () => {
      const clientId = Buffer.from('arbiter-probe');
      const req = Buffer.alloc(4 + 10 + clientId.length);
      req.writeInt32BE(10 + clientId.length, 0);
      req.writeInt16BE(API_VERSIONS_KEY, 4);
      req.writeInt16BE(0, 6); // api version
      req.writeInt32BE(1, 8); // correlation id
      req.writeInt16BE(clientId.length, 12);
      clientId.copy(req, 14);
      socket.write(req);
    });
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      clearTimeout(timer);
      socket.end();
      const error = buf.readInt16BE(8);
      if (error !== 0) return reject(new Error(`${host}:${port} answered ApiVersions with error code ${error}`));
      const ranges = new Map<number, ApiRange>();
      const n = buf.readInt32BE(10);
      for (let i = 0, o = 14; i < n; i++, o += 6) ranges.set(buf.readInt16BE(o), { min: buf.readInt16BE(o + 2), max: buf.readInt16BE(o + 4) });
      resolve(ranges);
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`Kafka broker ${host}:${port} unreachable: ${e.message}`));
    });
  });
}

/** "61 APIs; Produce v3-v12, Fetch v4-v17, ..." */
export function describeApiVersions(ranges: ReadonlyMap<number, ApiRange>): string {
  const known = Object.entries(NAMES)
    .map(([key, name]) => [name, ranges.get(Number(key))] as const)
    .filter((e): e is readonly [string, ApiRange] => e[1] !== undefined)
    .map(([name, r]) => `${name} v${r.min}-v${r.max}`);
  return `${ranges.size} APIs; ${known.join(', ')}`;
}
