// After CreateTopics returns, leaders may not be elected yet (clients differ in whether they wait).
// ensureTopics resolves only when every partition of every created topic answers ListOffsets with a
// non-negative high-water mark, so a producer or consumer started next never meets a half-made topic.
import { ArbiterError } from '../../core/errors.ts';
import type { TopicSpec, TransportAdmin } from './transport.ts';

const READY_TIMEOUT_MS = 15_000;
const POLL_MS = 50;

export async function awaitTopicsReady(admin: Pick<TransportAdmin, 'fetchOffsets'>, specs: readonly TopicSpec[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const spec of specs) {
    let last: unknown;
    for (;;) {
      try {
        const offsets = await admin.fetchOffsets(spec.topic);
        if (offsets.length === spec.partitions && offsets.every((o) => BigInt(o.high) >= 0n && BigInt(o.low) >= 0n)) break;
        last = `${offsets.length} of ${spec.partitions} partitions ready`;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) {
        throw new ArbiterError('ARB_STACK_UNAVAILABLE', `topic ${spec.topic} not ready after ${READY_TIMEOUT_MS} ms: ${String(last)}`, { topic: spec.topic });
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
