// Brokers for benches and integration tests: KAFKA_BROKERS, else the local stack's .run/stack.env
// (written by deploy/local/stack.sh).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBrokers } from '../../processors/runtime/transport/brokers.ts';

const STACK_ENV = join(import.meta.dirname, '..', '..', '.run', 'stack.env');

export function localBrokers(): string[] {
  if (process.env['KAFKA_BROKERS'] !== undefined) return parseBrokers(process.env['KAFKA_BROKERS']);
  const line = existsSync(STACK_ENV) ? readFileSync(STACK_ENV, 'utf8').split('\n').find((l) => l.startsWith('KAFKA_BROKERS=')) : undefined;
  return parseBrokers(line?.slice('KAFKA_BROKERS='.length), `KAFKA_BROKERS (env or ${STACK_ENV})`);
}
