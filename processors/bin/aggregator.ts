#!/usr/bin/env node
// Entry point of the cross-session aggregator. Settings: processors/aggregator/config.ts (environment, validated
// once). Run one instance (its windows are per process). Exits non-zero when the consumer stops on an error.
import { aggregatorConfigFromEnv, startAggregator } from '../aggregator/index.ts';

const log = (event: string, detail: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), component: 'aggregator', event, ...detail })}\n`);
};

const config = aggregatorConfigFromEnv(process.env);
const running = await startAggregator(config, { log });
log('started', { mode: running.mode, transport: running.transport.name, inputs: running.task.inputTopics(), thresholds: config.thresholds });
const stats = setInterval(() => log('stats', { ...running.task.counts, ...running.task.correlator.stats }), 60_000);
stats.unref();

let stopping = false;
const stop = async (signal: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  log('stopping', { signal });
  await running.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));

running.stopped.then(
  () => { if (!stopping) { log('consumer-stopped', {}); process.exit(1); } },
  (error: unknown) => { log('consumer-failed', { error: String(error) }); process.exit(1); },
);
