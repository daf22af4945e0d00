// A TCP port nobody listens on right now, for servers the tests start beside the shared stack.
// Chosen below Linux's ephemeral range (32768–60999): a port the OS hands out for port 0 is an ephemeral one, and
// between our check and the server's bind an outgoing connection may take it as its local port (seen once under load).
import { createServer } from 'node:net';

const LOW = 20_000;
const HIGH = 32_000;

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    if (await tryListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found in ${LOW}-${HIGH} after 200 tries`);
}

/** A port p with p and p + 1 both free (a broker's client and controller listeners). */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW - 1));
    if (handedOut.has(port) || handedOut.has(port + 1)) continue;
    if ((await tryListen(port)) && (await tryListen(port + 1))) {
      handedOut.add(port);
      handedOut.add(port + 1);
      return port;
    }
  }
  throw new Error(`no free port pair found in ${LOW}-${HIGH} after 200 tries`);
}
