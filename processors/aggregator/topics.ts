// The aggregator's own topics, beside the shared set in runtime/topics.ts (same prefix). Both are compacted, one
// partition each (the aggregator is one instance, its state is global, and rate signals are few), with JSON values:
// they are private contracts between the aggregator and itself (changelog) or the verdict processors (rates), not
// records for other consumers, so they have no registry subject; a format number inside guards the layout.
//  - <prefix>.aggregator-state: the correlator's changelog (key "<category>:<id>", state.ts);
//  - <prefix>.rates: an agent's / tenant's proposals per sliding minute (key "agent:<id>" | "tenant:<id>", rate-signal.ts).
import type { TopicSpec } from '../runtime/transport/transport.ts';

export interface AggregatorTopics {
  readonly changelog: TopicSpec;
  readonly rates: TopicSpec;
}

const DAY_MS = 86_400_000;
/** Latest value per key; tombstones kept a day so a restore sees deletes; small segments so compaction keeps up. */
const COMPACTED: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0', 'delete.retention.ms': String(DAY_MS), 'segment.ms': String(DAY_MS / 24),
};

export function aggregatorTopics(prefix: string, replicationFactor: number): AggregatorTopics {
  return {
    changelog: { topic: `${prefix}.aggregator-state`, partitions: 1, replicationFactor, configs: COMPACTED },
    rates: { topic: `${prefix}.rates`, partitions: 1, replicationFactor, configs: COMPACTED },
  };
}
