// Follows the alerts topic from the beginning with a throwaway consumer group per instance (a TopicTail: every
// verdict instance sees every signal, like the bundles topic) and folds quarantine signals into a QuarantineTable.
// Off the hot path: the verdict task only reads the table. caughtUp() settles once the signals present at start were
// read, so a restarted verdict processor waits for it before deciding. After that, propagation is asynchronous: a
// proposal decided in the tens of ms between an alert's commit and its arrival here is decided without it.
// Undecodable alerts are counted and skipped (the alerts topic has no DLQ; the sink keeps them).
import type { TopicSerde } from '../runtime/serde/topic-serde.ts';
import type { TopicMap } from '../runtime/topics.ts';
import type { KafkaTransport } from '../runtime/transport/transport.ts';
import { TopicTail } from '../sdk/topic-tail.ts';
import { QuarantineTable } from './quarantine.ts';

export interface QuarantineFeedOptions {
  readonly transport: KafkaTransport;
  readonly serde: TopicSerde;
  readonly topics: TopicMap;
  /** Prefix of the per-instance group id. */
  readonly groupPrefix: string;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

/** Quiet period after which a partition whose last offsets are transaction markers counts as read. */
const IDLE_MS = 300;

export class QuarantineFeed {
  readonly table = new QuarantineTable();
  #signals = 0;
  #skipped = 0;
  readonly #o: QuarantineFeedOptions;
  #tail: TopicTail | undefined;

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
    this.#tail = await TopicTail.start({
      transport: this.#o.transport, topic: alerts.topic, groupPrefix: `${this.#o.groupPrefix}-quarantine`, from: 'beginning', idleMs: IDLE_MS,
      onRecord: async (record) => {
        if (record.value === null) return;
        const alert = await this.#o.serde.decode(alerts, record);
        if (this.table.apply(alert)) {
          this.#signals++;
          this.#o.log?.('quarantine-signal', { agentId: alert.agentId, tenantId: alert.tenantId, facts: alert.facts });
        }
      },
      onError: (error, record) => {
        this.#skipped++;
        this.#o.log?.('quarantine-signal-skipped', { partition: record.partition, offset: record.offset, error: String(error) });
      },
    });
  }

  /** Settles once the signals present at start were read; rejects after timeoutMs. */
  caughtUp(timeoutMs: number): Promise<void> {
    return this.#tail === undefined ? Promise.reject(new Error('quarantine feed not started')) : this.#tail.caughtUp(timeoutMs);
  }

  async close(): Promise<void> {
    await this.#tail?.close();
  }
}
