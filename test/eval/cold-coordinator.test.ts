// Start-up of the in-process pipelines (arbiter eval --kafka, the demo) while the broker's group coordinator is
// still loading: which client errors count as "cold coordinator", and the bounded retry around a start.
import { describe, expect, it } from 'vitest';
import { coldCoordinatorError, retryColdCoordinator } from '../../processors/verdict/bundle-publish.ts';

// The shapes the three clients give these errors (fields as the clients set them; messages as the brokers word them).
const platformatic = Object.assign(new AggregateError([
  Object.assign(new Error('The coordinator is loading and hence can\'t process requests.'), { code: 'PLT_KFK_PROTOCOL', apiId: 'COORDINATOR_LOAD_IN_PROGRESS', apiCode: 14 }),
], 'Received response with error while executing API JoinGroup(v9)'), { code: 'PLT_KFK_RESPONSE' });
const kafkajs = Object.assign(new Error('The coordinator is not available'), { name: 'KafkaJSProtocolError', type: 'COORDINATOR_NOT_AVAILABLE', code: 15, retriable: true });
const kafkajsRetriesExceeded = Object.assign(new Error('This is not the correct coordinator.'), { name: 'KafkaJSNumberOfRetriesExceeded', originalError: Object.assign(new Error('This is not the correct coordinator.'), { type: 'NOT_COORDINATOR' }) });
const librdkafka = Object.assign(new Error('Broker: Coordinator load in progress'), { code: 14 });
const tailWrapped = new Error('topic t.alerts: no partition assignment within 30000 ms (stopped)', { cause: platformatic });

describe('coldCoordinatorError', () => {
  it('finds the error in every client shape, also when wrapped', () => {
    expect(coldCoordinatorError(platformatic)).toBe('COORDINATOR_LOAD_IN_PROGRESS');
    expect(coldCoordinatorError(kafkajs)).toBe('COORDINATOR_NOT_AVAILABLE');
    expect(coldCoordinatorError(kafkajsRetriesExceeded)).toBe('NOT_COORDINATOR');
    expect(coldCoordinatorError(new Error('This is not the correct coordinator.'))).toBe('not the correct coordinator');
    expect(coldCoordinatorError(librdkafka)).toBe('Coordinator load in progress');
    expect(coldCoordinatorError(tailWrapped)).toBe('COORDINATOR_LOAD_IN_PROGRESS');
  });

  it('leaves every other error alone', () => {
    expect(coldCoordinatorError(new Error('This server does not host this topic-partition'))).toBeUndefined();
    expect(coldCoordinatorError(Object.assign(new Error('x'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' }))).toBeUndefined();
    expect(coldCoordinatorError(new Error('topic t: no partition assignment within 30000 ms (timeout)'))).toBeUndefined();
    expect(coldCoordinatorError('COORDINATOR_LOAD_IN_PROGRESS')).toBeUndefined();
    expect(coldCoordinatorError(undefined)).toBeUndefined();
  });
});

describe('retryColdCoordinator', () => {
  const noSleep = (slept: number[]) => async (ms: number) => void slept.push(ms);

  it('starts again after a growing pause while the coordinator is cold, then returns what the start gave', async () => {
    const slept: number[] = [];
    let calls = 0;
    const got = await retryColdCoordinator('g-verdict', async () => {
      if (++calls < 4) throw platformatic;
      return 'lane';
    }, { sleep: noSleep(slept), firstDelayMs: 100, maxDelayMs: 300 });
    expect(got).toBe('lane');
    expect(calls).toBe(4);
    expect(slept).toEqual([100, 200, 300]);
  });

  it('gives up after the last attempt with ARB_PIPELINE_COORDINATOR_UNAVAILABLE naming the group', async () => {
    const slept: number[] = [];
    let calls = 0;
    const failed = retryColdCoordinator('run-1-workspace-verdict', async () => {
      calls++;
      throw kafkajs;
    }, { sleep: noSleep(slept), attempts: 3, firstDelayMs: 1_000 });
    await expect(failed).rejects.toMatchObject({ code: 'ARB_PIPELINE_COORDINATOR_UNAVAILABLE' });
    await expect(failed).rejects.toThrow(/group run-1-workspace-verdict: COORDINATOR_NOT_AVAILABLE on each of 3 attempts over 3\.0 s/);
    expect(calls).toBe(3);
    expect(slept).toEqual([1_000, 2_000]);
  });

  it('throws any other error at once', async () => {
    let calls = 0;
    const other = new Error('schema registry refused the subject');
    await expect(retryColdCoordinator('g', async () => {
      calls++;
      throw other;
    }, { sleep: noSleep([]) })).rejects.toBe(other);
    expect(calls).toBe(1);
  });
});
