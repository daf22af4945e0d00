#!/usr/bin/env node
// Entry point of the verdict processor. Settings: processors/verdict/config.ts (environment, validated once).
// Exits non-zero when the consumer stops on an error, so a supervisor restarts it (state is restored on start).
import { createServer } from 'node:http';
import { MetricsRegistry } from '../core/metrics.ts';
import { startVerdictProcessor, verdictConfigFromEnv } from '../verdict/index.ts';

const log = (event: string, detail: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), component: 'verdict', event, ...detail })}\n`);
};

const config = verdictConfigFromEnv(process.env);
const metrics = new MetricsRegistry();
const running = await startVerdictProcessor(config, { log, metrics });
const server = config.metricsPort === undefined ? undefined : createServer((req, res) => {
  if (req.url === '/metrics') {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(metrics.render());
  } else if (req.url === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: true, bundle: running.slot.current?.revision ?? '' }));
  } else {
    res.writeHead(404).end();
  }
}).listen(config.metricsPort);
log('started', { mode: running.mode, transport: running.transport.name, proposals: running.topics.proposals.topic, bundle: running.slot.current?.revision ?? '' });

let stopping = false;
const stop = async (signal: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  log('stopping', { signal });
  server?.close();
  await running.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));

running.stopped.then(
  () => { if (!stopping) { log('consumer-stopped', {}); process.exit(1); } },
  (error: unknown) => { log('consumer-failed', { error: String(error) }); process.exit(1); },
);
