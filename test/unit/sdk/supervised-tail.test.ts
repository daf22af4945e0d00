// SupervisedTail's restart logic over stand-in tails (only running / resumePoint / close are used by it).
import { describe, expect, it } from 'vitest';
import { SupervisedTail } from '../../../processors/sdk/supervised-tail.ts';
import type { TopicTail, TopicTailOptions } from '../../../processors/sdk/topic-tail.ts';

interface Stand {
  readonly tail: TopicTail;
  stop(error?: Error): void;
  closed: boolean;
}

function standIn(resume: Map<number, bigint>): Stand {
  let stop!: (error?: Error) => void;
  const running = new Promise<void>((resolve, reject) => (stop = (error) => (error ? reject(error) : resolve())));
  const s: Stand = {
    closed: false,
    stop: (error) => stop(error),
    tail: { running, resumePoint: () => resume, close: async () => { s.closed = true; } } as unknown as TopicTail,
  };
  return s;
}

describe('SupervisedTail', () => {
  it('restarts a stopped tail from where it stopped, after a failed attempt, and reports each step', async () => {
    const starts: TopicTailOptions['from'][] = [];
    const stands: Stand[] = [];
    let failNext = false;
    const start = async (from: TopicTailOptions['from']) => {
      starts.push(from);
      if (failNext) {
        failNext = false;
        throw new Error('COORDINATOR_LOAD_IN_PROGRESS');
      }
      const s = standIn(new Map([[0, BigInt(10 * stands.length + 7)]]));
      stands.push(s);
      return s.tail;
    };
    const events: string[] = [];
    let restarted!: () => void;
    const again = new Promise<void>((resolve) => (restarted = resolve));
    const supervised = await SupervisedTail.start('beginning', start, {
      onStopped: (e) => events.push(`stopped ${String(e)}`),
      onRestartFailed: (e, attempt) => events.push(`failed ${attempt} ${String(e)}`),
      onRestarted: (attempt) => { events.push(`restarted ${attempt}`); restarted(); },
    });
    expect(supervised.current).toBe(stands[0]?.tail);
    failNext = true;
    stands[0]?.stop(new Error('broker away'));
    await again;
    expect(events).toEqual(['stopped Error: broker away', 'failed 1 Error: COORDINATOR_LOAD_IN_PROGRESS', 'restarted 2']);
    expect(starts).toEqual(['beginning', new Map([[0, 7n]]), new Map([[0, 7n]])]);
    expect(stands[0]?.closed).toBe(true);
    expect(supervised.current).toBe(stands[1]?.tail);
    await supervised.close();
    expect(stands[1]?.closed).toBe(true);
  }, 10_000);

  it('does not restart after close()', async () => {
    const stands: Stand[] = [];
    const supervised = await SupervisedTail.start('now', async () => {
      const s = standIn(new Map());
      stands.push(s);
      return s.tail;
    });
    await supervised.close();
    stands[0]?.stop();
    await new Promise((r) => setTimeout(r, 700));
    expect(stands).toHaveLength(1);
  });
});
