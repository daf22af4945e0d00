// Runs the local HEC, _bulk and OCSF peers in their own process (a SIEM is another host, so it must not share
// the forwarder's event loop in a benchmark). They validate everything but keep only counts (GET /_stats).
// Prints one JSON line with their URLs, then serves until SIGTERM.
import { startBulkPeer, startHecPeer, startOcsfPeer } from './peers.ts';

const token = process.argv[2] ?? 'bench-token';
const hec = await startHecPeer(token, 0, false);
const bulk = await startBulkPeer(0, false);
const ocsf = await startOcsfPeer(0, false);
process.stdout.write(`${JSON.stringify({ hec: hec.url, bulk: bulk.url, ocsf: ocsf.url })}\n`);
process.on('SIGTERM', () => {
  void Promise.all([hec.stop(), bulk.stop(), ocsf.stop()]).then(() => process.exit(0));
});
