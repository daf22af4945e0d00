// Follows the alerts topic from the beginning with a consumer group of its own per instance (every verdict instance
// sees every signal, like the bundles topic) and folds quarantine signals into a QuarantineTable. Off the hot path:
// the verdict task only reads the table. Propagation is asynchronous: a proposal decided before the signal arrives
// (tens of ms after the alert is committed) is decided without it. Undecodable alerts are counted and skipped
// (the alerts topic has no DLQ; the sink keeps them).
import { randomUUID } from 'node:crypto';
import type { TopicSerde } from '../runtime/serde/topic-serde.ts';
import type { TopicMap } from '../runtime/topics.ts';
import type { KafkaTransport, TransportConsumer } from '../runtime/transport/transport.ts';
import { QuarantineTable } from './quarantine.ts';

export interface QuarantineFeedOptions {
  readonly transport: KafkaTransport;
  readonly serde: TopicSerde;
  readonly topics: TopicMap;
  /** Prefix of the per-instance group id. */
  readonly groupPrefix: string;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

export class QuarantineFeed {
  readonly table = new QuarantineTable();
  #signals = 0;
  #skipped = 0;
  readonly #o: QuarantineFeedOptions;
  #consumer: TransportConsumer | undefined;
  #running: Promise<void> | undefined;

  constructor(options: QuarantineFeedOptions) {
    this.#o = options;
  }

  get signals(): number {
    return this.#signals;
  }

  get skipped(): number {
    return this.#skipped;
  }

  async start(): Promise<void> {
    const alerts = this.#o.topics.alerts;
    this.#consumer = await this.#o.transport.consumer({
      groupId: `${this.#o.groupPrefix}-quarantine-${randomUUID()}`, topics: [alerts.topic], fromBeginning: true, readCommitted: true,
      maxWaitMs: 20, minBytes: 1,
    });
    this.#running = this.#consumer.run(async (batch) => {
      for (const record of batch.records) {
        if (record.value === null) continue;
        try {
          const alert = await this.#o.serde.decode(alerts, record);
          if (this.table.apply(alert)) {
            this.#signals++;
            this.#o.log?.('quarantine-signal', { agentId: alert.agentId, tenantId: alert.tenantId, facts: alert.facts });
          }
        } catch (error) {
          this.#skipped++;
          this.#o.log?.('quarantine-signal-skipped', { partition: record.partition, offset: record.offset, error: String(error) });
        }
      }
    });
  }

  async close(): Promise<void> {
    await this.#consumer?.close();
    await this.#running?.catch(() => undefined);
  }
}
