// Turns "the group now gives me these partitions" notifications into ordered onRevoked/onAssigned hook calls,
// serialised with batch processing on one queue. Used by adapters whose client has no blocking rebalance
// callback (kafkajs, @platformatic/kafka): the client tells us the new assignment after a join; we diff it.
// Contract:
//  - hooks and batches run one at a time, in arrival order (a hook waits for the in-flight batch: "flush here");
//  - onAssigned(p) completes before any batch of p runs ("restore here");
//  - a batch of a partition we no longer own is dropped (another member owns it now), never processed;
//  - ownership and the group generation it was given under change together (fence): a client may join a newer
//    generation before it knows that generation's assignment, and offsets committed under the newer generation for a
//    partition it no longer owns would be accepted by the broker (it checks member and generation, not ownership).

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** The group generation (classic protocol) an assignment was given under. */
export interface GroupGeneration {
  readonly generationId: number;
  readonly memberId: string | null;
}

/** Where offsets of some partitions may be committed: under `generation`, or nowhere (`revoked` is not owned). */
export type OffsetsFence = { readonly generation: GroupGeneration | undefined } | { readonly revoked: TopicPartition };

export type PartitionsHook = (partitions: readonly TopicPartition[]) => Promise<void>;

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Partitions in `a` that are not in `b`. */
export function partitionsNotIn(a: readonly TopicPartition[], b: readonly TopicPartition[]): TopicPartition[] {
  const inB = new Set(b.map((tp) => tpKey(tp.topic, tp.partition)));
  return a.filter((tp) => !inB.has(tpKey(tp.topic, tp.partition)));
}

export class AssignmentSequencer {
  readonly #onAssigned: PartitionsHook | undefined;
  readonly #onRevoked: PartitionsHook | undefined;
  #owned: TopicPartition[] = [];
  #ownedKeys = new Set<string>();
  #generation: GroupGeneration | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  /** First hook failure; the consumer loop surfaces it (a failed restore must stop processing). */
  hookError: unknown = undefined;

  constructor(onAssigned?: PartitionsHook, onRevoked?: PartitionsHook) {
    this.#onAssigned = onAssigned;
    this.#onRevoked = onRevoked;
  }

  get owned(): readonly TopicPartition[] {
    return this.#owned;
  }

  owns(topic: string, partition: number): boolean {
    return this.#ownedKeys.has(tpKey(topic, partition));
  }

  /**
   * Where offsets of `partitions` may be committed: the generation the current assignment came with, if it holds all
   * of them. Not the client's own generation, which moves at the JoinGroup answer, before the new assignment is known.
   */
  fence(partitions: readonly TopicPartition[]): OffsetsFence {
    const revoked = partitions.find((tp) => !this.owns(tp.topic, tp.partition));
    return revoked === undefined ? { generation: this.#generation } : { revoked };
  }

  /** The group's new assignment for this member (and the generation it came with). Ownership changes at once; hooks
   *  are queued in order. */
  assign(next: readonly TopicPartition[], generation?: GroupGeneration): Promise<void> {
    const revoked = partitionsNotIn(this.#owned, next);
    const added = partitionsNotIn(next, this.#owned);
    this.#generation = generation;
    this.#owned = [...next];
    this.#ownedKeys = new Set(next.map((tp) => tpKey(tp.topic, tp.partition)));
    const steps: Promise<void>[] = [];
    if (revoked.length > 0 && this.#onRevoked) steps.push(this.#enqueueHook(this.#onRevoked, revoked));
    if (added.length > 0 && this.#onAssigned) steps.push(this.#enqueueHook(this.#onAssigned, added));
    return Promise.all(steps).then(() => undefined);
  }

  /** Runs `work` for a batch of topic/partition after every queued hook; skips it if the partition is not owned. */
  runBatch(topic: string, partition: number, work: () => Promise<void>): Promise<boolean> {
    return this.#enqueue(async () => {
      if (this.hookError !== undefined) throw this.hookError;
      if (!this.owns(topic, partition)) return false;
      await work();
      return true;
    });
  }

  /** Resolves when everything queued so far has finished. */
  idle(): Promise<void> {
    return this.#tail.then(
      () => undefined,
      () => undefined,
    );
  }

  #enqueueHook(hook: PartitionsHook, partitions: readonly TopicPartition[]): Promise<void> {
    return this.#enqueue(async () => {
      try {
        await hook(partitions);
      } catch (error) {
        this.hookError ??= error;
        throw error;
      }
    });
  }

  #enqueue<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(step, step);
    // The queue continues after a failed step; the failure goes to the step's own caller.
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
