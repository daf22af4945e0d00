// Consumer lag of the other deployables' groups (verdict processor, aggregator, SIEM forwarders), measured from the
// broker by the sink: per group, topic and partition, the high-water mark minus the group's committed offset. Lag is
// read from outside on purpose: a stuck consumer cannot report its own. The transport interface has no read of a
// group's committed offsets, so this uses a kafkajs admin client (already a dependency; admin requests only, plain
// connections like the transports). Groups are named (ARBITER_CH_LAG_GROUPS) rather than discovered: listing every
// group of a shared cluster and reading each one's offsets costs a request per group per interval.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { TopicMap } from '../../runtime/topics.ts';
import { PIPELINE_METRICS, type PipelineSample } from './pipeline-metrics.ts';

/** SIEM formats whose forwarder groups are watched by default (`<prefix>-siem-<format>`). */
const SIEM_FORMATS = ['ocsf', 'cef', 'ecs', 'hec'] as const;

/** ARBITER_CH_LAG_GROUPS ("a,b,c"), default: the verdict and aggregator groups' defaults and one SIEM group per format. */
export function lagGroups(raw: string | undefined, topicPrefix: string): string[] {
  if (raw !== undefined && raw.trim() !== '') return [...new Set(raw.split(',').map((g) => g.trim()).filter((g) => g !== ''))];
  return ['arbiter-verdict', 'arbiter-aggregator', ...SIEM_FORMATS.map((f) => `${topicPrefix}-siem-${f}`)];
}

export interface ConsumerLagSampler {
  /** Lag samples for every watched group on every Arbiter topic it has committed offsets on. */
  sample(atMs: number): Promise<PipelineSample[]>;
  close(): Promise<void>;
}

export async function startConsumerLagSampler(o: {
  readonly brokers: readonly string[];
  readonly groups: readonly string[];
  readonly topics: TopicMap;
  readonly instance: string;
}): Promise<ConsumerLagSampler> {
  const admin: Admin = new Kafka({ clientId: `arbiter-lag-${o.instance}`, brokers: [...o.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const arbiterTopics = [...new Set(Object.values(o.topics).map((t) => t.topic))];
  return {
    async sample(atMs) {
      const highs = new Map<string, Map<number, { low: bigint; high: bigint }>>();
      const highOf = async (topic: string): Promise<Map<number, { low: bigint; high: bigint }>> => {
        let h = highs.get(topic);
        if (h === undefined) {
          h = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, { low: BigInt(p.low), high: BigInt(p.high) }]));
          highs.set(topic, h);
        }
        return h;
      };
      const out: PipelineSample[] = [];
      for (const group of o.groups) {
        const committed = await admin.fetchOffsets({ groupId: group, topics: arbiterTopics });
        for (const t of committed) {
          if (t.partitions.every((p) => BigInt(p.offset) < 0n)) continue; // the group does not consume this topic
          const high = await highOf(t.topic);
          for (const p of t.partitions) {
            const h = high.get(p.partition);
            if (h === undefined) continue;
            const at = BigInt(p.offset) < 0n ? h.low : BigInt(p.offset);
            out.push({ atMs, component: 'clickhouse-sink', instance: o.instance, metric: PIPELINE_METRICS.consumerLag,
              labels: { group, topic: t.topic, partition: String(p.partition) }, value: Number(h.high > at ? h.high - at : 0n) });
          }
        }
      }
      return out;
    },
    close: () => admin.disconnect(),
  };
}
