// Broker list parsing ("host:port,host:port"), validated once where config is read.
import { ArbiterError } from '../../core/errors.ts';

const HOST_PORT = /^[A-Za-z0-9._-]+:\d{1,5}$/;

export function parseBrokers(value: string | undefined, key = 'KAFKA_BROKERS'): string[] {
  const brokers = (value ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const bad = brokers.find((b) => !HOST_PORT.test(b));
  if (brokers.length === 0 || bad !== undefined) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `${key}="${value ?? ''}" must be a comma-separated list of host:port${bad ? ` (bad entry "${bad}")` : ''}`, { key });
  }
  return brokers;
}
