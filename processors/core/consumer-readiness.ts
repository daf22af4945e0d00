// Readiness from the Kafka consumers of a deployable: a transport decorator that watches every consumer it opens.
// A consumer counts as ready once its first assignment hook has finished (for a stream task that is the restore of
// the assigned partitions' state) and while no later assignment hook is running. Closed consumers stop counting.
// Consequence: an instance that owns no partition (more replicas than partitions) stays not ready: it serves nothing.
import type { ConsumerOptions, KafkaTransport, TransportConsumer } from '../runtime/transport/transport.ts';
import type { Readiness } from './health-server.ts';

type Partitions = readonly { topic: string; partition: number }[];

interface Watched {
  readonly groupId: string;
  assigned: boolean;
  /** Partitions whose assignment hook (restore) is running. */
  restoring: number;
}

/** Adds the condition `name` to `readiness` and returns the transport whose consumers it watches. */
export function watchConsumers(transport: KafkaTransport, readiness: Readiness, name = 'consumers'): KafkaTransport {
  const watched = new Set<Watched>();
  readiness.watch(name, () => {
    if (watched.size === 0) return 'no consumer started yet';
    const waiting = [...watched].filter((w) => !w.assigned && w.restoring === 0).map((w) => w.groupId);
    const restoring = [...watched].filter((w) => w.restoring > 0);
    if (waiting.length === 0 && restoring.length === 0) return true;
    const why: string[] = [];
    if (restoring.length > 0) why.push(`restoring ${restoring.reduce((n, w) => n + w.restoring, 0)} partition(s) of ${restoring.map((w) => w.groupId).join(', ')}`);
    if (waiting.length > 0) why.push(`waiting for a partition assignment: ${waiting.join(', ')}`);
    return why.join('; ');
  });
  return {
    name: transport.name,
    supportsTransactions: transport.supportsTransactions,
    admin: () => transport.admin(),
    producer: (options) => transport.producer(options),
    async consumer(options: ConsumerOptions): Promise<TransportConsumer> {
      const w: Watched = { groupId: options.groupId, assigned: false, restoring: 0 };
      const onAssigned = async (partitions: Partitions): Promise<void> => {
        w.restoring += partitions.length;
        try {
          await options.onAssigned?.(partitions);
          w.assigned = true;
        } finally {
          w.restoring -= partitions.length;
        }
      };
      watched.add(w);
      let consumer: TransportConsumer;
      try {
        consumer = await transport.consumer({ ...options, onAssigned });
      } catch (error) {
        watched.delete(w);
        throw error;
      }
      const inner = consumer;
      const decorated: TransportConsumer = {
        run: (eachBatch) => inner.run(eachBatch),
        commit: (offsets) => inner.commit(offsets),
        async close() {
          watched.delete(w);
          await inner.close();
        },
      };
      // The optional capabilities must survive the decoration: without them the StreamLoop of a deployed processor
      // cannot wait for stable offsets or rewind after a commit a rebalance refused (it stops instead).
      if (inner.stableCommitted !== undefined) decorated.stableCommitted = (partitions) => inner.stableCommitted!(partitions);
      if (inner.rewind !== undefined) decorated.rewind = () => inner.rewind!();
      return decorated;
    },
  };
}
