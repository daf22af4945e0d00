// A TCP forwarder on a local port in front of a real server, which a test can take down and bring back: down() stops
// listening and cuts every open connection (so a keep-alive client sees the outage at once: connection refused), up()
// listens on the same port again. Used to make the schema registry unreachable for one client without stopping the
// shared dev registry.
import net from 'node:net';

export interface TcpForwarder {
  readonly port: number;
  /** Connections accepted so far (a client that used the forwarder made at least one). */
  readonly accepted: number;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpForwarder(target: { host: string; port: number }): Promise<TcpForwarder> {
  const open = new Set<net.Socket>();
  let accepted = 0;
  let server: net.Server | undefined;
  let port = 0;

  const listen = (at: number) => new Promise<void>((resolve, reject) => {
    const s = net.createServer((client) => {
      accepted++;
      const upstream = net.connect(target.port, target.host);
      for (const sock of [client, upstream]) {
        open.add(sock);
        sock.on('close', () => open.delete(sock));
        sock.on('error', () => undefined); // a cut connection: the other side is destroyed with it
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
    s.once('error', reject);
    s.listen(at, '127.0.0.1', () => {
      port = (s.address() as net.AddressInfo).port;
      server = s;
      resolve();
    });
  });

  const down = async () => {
    const s = server;
    server = undefined;
    for (const sock of open) sock.destroy();
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen(0);
  return {
    get port() { return port; },
    get accepted() { return accepted; },
    down,
    up: () => (server === undefined ? listen(port) : Promise.resolve()),
    close: down,
  };
}
