#!/usr/bin/env node
// Entry point of the verdict processor. Settings: processors/verdict/config.ts (environment, validated once); health
// and metrics: processors/core/health-server.ts (ARBITER_HEALTH_PORT; ready = started, a bundle loaded, partitions
// assigned and restored). Exits non-zero when the consumer stops on an error, so a supervisor restarts it (state
// is restored on start).
import { runDeployable } from '../core/deployable.ts';
import { startVerdictProcessor, verdictConfigFromEnv } from '../verdict/index.ts';

await runDeployable('verdict', async ({ log, metrics, readiness }) => {
  const config = verdictConfigFromEnv(process.env);
  const running = await startVerdictProcessor(config, { log, metrics, readiness });
  log('started', { mode: running.mode, transport: running.transport.name, proposals: running.topics.proposals.topic, bundle: running.slot.current?.revision ?? '' });
  return running;
});
