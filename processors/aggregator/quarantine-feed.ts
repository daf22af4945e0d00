// Follows the alerts topic from the beginning on every verdict instance (a BroadcastFeed: every instance sees every
// signal, like the bundles topic) and folds quarantine signals into a QuarantineTable. Off the hot path: the verdict
// task only reads the table. A restarted verdict processor waits for caughtUp() before deciding. After that,
// propagation is asynchronous: a proposal decided in the tens of ms between an alert's commit and its arrival here is
// decided without it. Undecodable alerts are counted and skipped (the alerts topic has no DLQ; the sink keeps them);
// a registry outage is not skipped: the tail stops and is restarted at that alert (topic-tail.ts).
import type { TopicSerde } from '../runtime/serde/topic-serde.ts';
import type { TopicMap } from '../runtime/topics.ts';
import type { KafkaTransport } from '../runtime/transport/transport.ts';
import { BroadcastFeed, loggedSupervision } from './broadcast-feed.ts';
import { QuarantineTable } from './quarantine.ts';

export interface QuarantineFeedOptions {
  readonly transport: KafkaTransport;
  readonly serde: TopicSerde;
  readonly topics: TopicMap;
  /** Prefix of the per-instance group id. */
  readonly groupPrefix: string;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

export class QuarantineFeed extends BroadcastFeed {
  readonly table: QuarantineTable;

  constructor(o: QuarantineFeedOptions) {
    const table = new QuarantineTable();
    super({
      transport: o.transport, topic: o.topics.alerts.topic, groupPrefix: `${o.groupPrefix}-quarantine`,
      apply: async (record) => {
        const alert = await o.serde.decode(o.topics.alerts, record);
        if (!table.apply(alert)) return false;
        o.log?.('quarantine-signal', { agentId: alert.agentId, tenantId: alert.tenantId, facts: alert.facts });
        return true;
      },
      onSkipped: (error, record) => o.log?.('quarantine-signal-skipped', { partition: record.partition, offset: record.offset, error: String(error) }),
      supervision: loggedSupervision('quarantine', o.log),
    });
    this.table = table;
  }
}
