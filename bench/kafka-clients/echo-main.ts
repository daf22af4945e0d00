// Child process running one echo service (forked by run.ts, so the service and the requester each have their own
// event loop, as in production). IPC: sends {type:'ready'} once all request partitions are assigned; answers 'cpu'
// with {type:'cpu', usage, replied}; on 'stop' stops, sends {type:'stopped', replied} and exits. Exits by itself if the parent goes away.
// --stream-loop (with --transactional-id): the exactly-once echo on StreamLoop (stream-echo.ts) instead of echo-service.ts.
import { parseArgs } from 'node:util';
import { createTransport, parseKafkaClient } from '../../processors/runtime/transport/index.ts';
import { startEchoService } from './echo-service.ts';
import { startStreamEcho } from './stream-echo.ts';
import { localBrokers } from './local-brokers.ts';

const { values } = parseArgs({
  options: {
    client: { type: 'string' },
    'request-topic': { type: 'string' },
    partitions: { type: 'string' },
    group: { type: 'string' },
    'transactional-id': { type: 'string' },
    'linger-ms': { type: 'string' },
    'max-wait-ms': { type: 'string' },
    'stream-loop': { type: 'boolean', default: false },
    /** With --stream-loop: comma-separated topics each request is also copied to (stream-echo.ts, experiment). */
    'extra-topics': { type: 'string' },
  },
});

const send = (message: object) => process.send?.(message);
const transport = await createTransport(parseKafkaClient(values.client), { brokers: localBrokers(), clientId: 'bench-echo' });
const extraTopics = values['extra-topics']?.split(',').filter((t) => t !== '') ?? [];
const service = await (values['stream-loop'] ? (t: typeof transport, o: Parameters<typeof startStreamEcho>[1]) => startStreamEcho(t, o, extraTopics) : startEchoService)(transport, {
  requestTopic: values['request-topic'] ?? 'missing --request-topic',
  requestPartitions: Number(values.partitions ?? '1'),
  groupId: values.group ?? 'missing --group',
  ...(values['transactional-id'] !== undefined ? { transactionalId: values['transactional-id'] } : {}),
  ...(values['linger-ms'] !== undefined ? { lingerMs: Number(values['linger-ms']) } : {}),
  ...(values['max-wait-ms'] !== undefined ? { maxWaitMs: Number(values['max-wait-ms']) } : {}),
  onReady: () => send({ type: 'ready' }),
  onFailure: (error) => {
    process.stderr.write(`[echo ${values.client}] stopped on error: ${String(error)}\n`);
    process.exit(1);
  },
});

process.on('message', async (message) => {
  if (message === 'cpu') {
    send({ type: 'cpu', usage: process.cpuUsage(), replied: service.replied() });
    return;
  }
  if (message !== 'stop') return;
  await service.stop();
  send({ type: 'stopped', replied: service.replied() });
  process.exit(0);
});
process.on('disconnect', () => process.exit(0));
