#!/usr/bin/env node
// Entry point of the approvals service (processors/approvals/service.ts). Settings: processors/approvals/config.ts;
// health and metrics: processors/core/health-server.ts (ARBITER_HEALTH_PORT; ready once the ledger is rebuilt from
// the approvals topic and its consumers are assigned). Exits non-zero when its consumer fails (e.g. the broker
// stayed away), so a supervisor restarts it.
import { runDeployable } from '../core/deployable.ts';
import { watchConsumers } from '../core/consumer-readiness.ts';
import { approvalsConfigFromEnv, withLocalStack } from '../approvals/config.ts';
import { connectApprovals } from '../approvals/connect.ts';
import { startApprovalsService } from '../approvals/service.ts';

await runDeployable('approvals', async ({ log, readiness }) => {
  const config = approvalsConfigFromEnv(withLocalStack(process.env));
  const conn = await connectApprovals(config, `approvals-${process.pid}`);
  const service = await startApprovalsService({ ...conn, transport: watchConsumers(conn.transport, readiness), log });
  log('started', { topic: conn.topics.approvals.topic, pending: service.pending().length });
  return {
    stopped: service.stopped,
    async close() {
      await service.close();
      await conn.producer.close();
    },
  };
});
