#!/usr/bin/env node
// Entry point of the verdict processor. Settings: processors/verdict/config.ts (environment, validated once).
// Exits non-zero when the consumer stops on an error, so a supervisor restarts it (state is restored on start).
import { startVerdictProcessor, verdictConfigFromEnv } from '../verdict/index.ts';

const log = (event: string, detail: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), component: 'verdict', event, ...detail })}\n`);
};

const config = verdictConfigFromEnv(process.env);
const running = await startVerdictProcessor(config, { log });
log('started', { mode: running.mode, transport: running.transport.name, proposals: running.topics.proposals.topic, bundle: running.slot.current?.revision ?? '' });

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
