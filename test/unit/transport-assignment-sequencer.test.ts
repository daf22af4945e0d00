import { describe, expect, it } from 'vitest';
import { AssignmentSequencer, partitionsNotIn } from '../../processors/runtime/transport/assignment-sequencer.ts';

const tp = (partition: number, topic = 't') => ({ topic, partition });

/** A promise with its resolver, to hold a step open while others queue behind it. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('partitionsNotIn', () => {
  it('returns the partitions of the first list missing from the second, by topic and partition', () => {
    expect(partitionsNotIn([tp(0), tp(1), tp(1, 'u')], [tp(1)])).toEqual([tp(0), tp(1, 'u')]);
  });
});

describe('AssignmentSequencer', () => {
  it('runs onAssigned for new partitions before a batch of them', async () => {
    const log: string[] = [];
    const seq = new AssignmentSequencer(
      async (parts) => {
        log.push(`assigned ${parts.map((p) => p.partition).join(',')}`);
      },
      undefined,
    );
    void seq.assign([tp(0), tp(1)]);
    await seq.runBatch('t', 1, async () => {
      log.push('batch 1');
    });
    expect(log).toEqual(['assigned 0,1', 'batch 1']);
  });

  it('runs onRevoked only after the in-flight batch finished, with just the revoked partitions', async () => {
    const log: string[] = [];
    const seq = new AssignmentSequencer(undefined, async (parts) => {
      log.push(`revoked ${parts.map((p) => p.partition).join(',')}`);
    });
    await seq.assign([tp(0), tp(1)]);
    const hold = gate();
    const started = gate();
    const batch = seq.runBatch('t', 0, async () => {
      started.open();
      await hold.opened;
      log.push('batch 0 done');
    });
    await started.opened;
    const revoke = seq.assign([tp(1)]);
    hold.open();
    await Promise.all([batch, revoke]);
    expect(log).toEqual(['batch 0 done', 'revoked 0']);
  });

  it('drops a batch of a partition no longer owned instead of processing it', async () => {
    const seq = new AssignmentSequencer();
    await seq.assign([tp(0)]);
    await seq.assign([tp(1)]);
    let ran = false;
    const processed = await seq.runBatch('t', 0, async () => {
      ran = true;
    });
    expect(processed).toBe(false);
    expect(ran).toBe(false);
    expect(seq.owns('t', 1)).toBe(true);
  });

  it('after a failed onAssigned every later batch fails with that error', async () => {
    const boom = new Error('restore failed');
    const seq = new AssignmentSequencer(async () => {
      throw boom;
    });
    await expect(seq.assign([tp(0)])).rejects.toBe(boom);
    await expect(seq.runBatch('t', 0, async () => undefined)).rejects.toBe(boom);
    expect(seq.hookError).toBe(boom);
  });

  it('keeps the queue going after a batch fails; the failure goes to that batch only', async () => {
    const seq = new AssignmentSequencer();
    await seq.assign([tp(0)]);
    await expect(
      seq.runBatch('t', 0, async () => {
        throw new Error('bad batch');
      }),
    ).rejects.toThrow('bad batch');
    await expect(seq.runBatch('t', 0, async () => undefined)).resolves.toBe(true);
  });

  it('idle() waits for everything queued so far', async () => {
    const seq = new AssignmentSequencer();
    await seq.assign([tp(0)]);
    const hold = gate();
    let finished = false;
    void seq.runBatch('t', 0, async () => {
      await hold.opened;
      finished = true;
    });
    const idle = seq.idle();
    hold.open();
    await idle;
    expect(finished).toBe(true);
  });
});

describe('AssignmentSequencer.fence', () => {
  const gen = (generationId: number) => ({ generationId, memberId: 'm-1' });

  it('gives the generation the current assignment came with, not a newer one the client joined before learning its assignment', () => {
    const seq = new AssignmentSequencer();
    void seq.assign([tp(0), tp(1)], gen(5));
    // The client now has JoinGroup's answer for generation 6 (its generationId is 6) but not SyncGroup's: in 6,
    // partition 1 may be another member's. Offsets of 1 committed under 6 would be accepted; under 5 they are refused.
    expect(seq.fence([tp(1)])).toEqual({ generation: gen(5) });
    void seq.assign([tp(0)], gen(6));
    expect(seq.fence([tp(0)])).toEqual({ generation: gen(6) });
  });

  it('names the first partition the current assignment does not hold', () => {
    const seq = new AssignmentSequencer();
    void seq.assign([tp(0), tp(1)], gen(5));
    void seq.assign([tp(0)], gen(6));
    expect(seq.fence([tp(0), tp(1), tp(2)])).toEqual({ revoked: tp(1) });
    expect(seq.fence([tp(0, 'u')])).toEqual({ revoked: tp(0, 'u') });
  });

  it('has no generation when the client gives none (a generation-less protocol commits under the client generation)', () => {
    const seq = new AssignmentSequencer();
    void seq.assign([tp(0)]);
    expect(seq.fence([tp(0)])).toEqual({ generation: undefined });
  });
});
