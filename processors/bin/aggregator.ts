#!/usr/bin/env node
// Entry point of the cross-session aggregator. Settings: processors/aggregator/config.ts (environment, validated
// once); health and metrics: processors/core/health-server.ts (ARBITER_HEALTH_PORT; ready once the changelog is
// restored). Run one instance: its state is global (a restarted one restores it from its changelog and fences the
// one it replaces). Exits non-zero when the consumer stops on an error.
import { runDeployable } from '../core/deployable.ts';
import { aggregatorConfigFromEnv, startAggregator } from '../aggregator/index.ts';

await runDeployable('aggregator', async ({ log, metrics, readiness }) => {
  const config = aggregatorConfigFromEnv(process.env);
  const running = await startAggregator(config, { log, metrics, readiness });
  log('started', { mode: running.mode, transport: running.transport.name, inputs: running.task.inputTopics(), thresholds: config.thresholds });
  const stats = setInterval(() => log('stats', { ...running.task.counts, ...running.task.correlator.stats }), 60_000);
  stats.unref();
  return running;
});
