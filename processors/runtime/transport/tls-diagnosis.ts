// Why a TLS connection to a broker fails, when the client only says "Connection closed" (@platformatic/kafka drops
// the TLS alert, e.g. a broker that requires a client certificate refusing one that is missing or untrusted). Opens
// one TLS connection with the same options and sends an ApiVersions request (allowed before authentication): an
// answer means TLS is fine; a TLS error is returned as text. Used only on a failure path (secured.ts).
import tls from 'node:tls';
import type { KafkaTls } from './transport.ts';

/** ApiVersions v0, correlation id 7, client id "ar": the smallest request every broker answers before SASL. */
const API_VERSIONS = Buffer.from('0000000c00120000000000070002' + '6172', 'hex');
const TIMEOUT_MS = 5_000;

export function diagnoseTls(broker: string, options: KafkaTls): Promise<string | undefined> {
  const colon = broker.lastIndexOf(':');
  const host = broker.slice(0, colon);
  const port = Number(broker.slice(colon + 1));
  return new Promise((resolve) => {
    let settled = false;
    const done = (why: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const socket = tls.connect(port, host, {
      rejectUnauthorized: options.rejectUnauthorized,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(options.cert !== undefined ? { cert: options.cert } : {}),
      ...(options.key !== undefined ? { key: options.key.reveal() } : {}),
    }, () => socket.write(API_VERSIONS));
    const timer = setTimeout(() => done(undefined), TIMEOUT_MS);
    socket.once('data', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => done(/SSL|TLS|CERT/i.test(`${error.code ?? ''} ${error.message}`) ? `TLS: ${error.code ?? ''} ${error.message}` : undefined));
    socket.once('close', () => done(undefined));
  });
}
