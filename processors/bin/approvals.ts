#!/usr/bin/env node
// Entry point of the approvals service (processors/approvals/service.ts). Settings: processors/approvals/config.ts.
// Logs one JSON line per event; SIGTERM/SIGINT stop it cleanly. Exits non-zero when its consumer fails (e.g. the
// broker stayed away), so a supervisor restarts it; the ledger is rebuilt from the approvals topic on start.
import { approvalsConfigFromEnv, withLocalStack } from '../approvals/config.ts';
import { connectApprovals } from '../approvals/connect.ts';
import { startApprovalsService } from '../approvals/service.ts';

const log = (event: string, detail: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), component: 'approvals', event, ...detail })}\n`);
};

const config = approvalsConfigFromEnv(withLocalStack(process.env));
const conn = await connectApprovals(config, `approvals-${process.pid}`);
const service = await startApprovalsService({ ...conn, log });
log('started', { topic: conn.topics.approvals.topic, pending: service.pending().length });

let stopping = false;
const stop = async (signal: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  log('stopping', { signal });
  await service.close();
  await conn.producer.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));

service.stopped.then(
  () => { if (!stopping) { log('consumer-stopped', {}); process.exit(1); } },
  (error: unknown) => { log('consumer-failed', { error: String(error) }); process.exit(1); },
);
