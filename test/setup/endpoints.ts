// What test/setup/global-setup.ts hands to integration tests: `inject('arbiterStack')` in a test file.
import type { ClickHouseConfig } from '../../processors/core/config.ts';

export interface StackEndpoints {
  /** Comma-separated bootstrap brokers (also in process.env.KAFKA_BROKERS). */
  readonly kafkaBrokers: string;
  /** Confluent-API base URL (also in process.env.SCHEMA_REGISTRY_URL). */
  readonly registryUrl: string;
  /** chDB (tests pick their own data directory) or the ClickHouse server named by CLICKHOUSE_URL. */
  readonly clickhouse: ClickHouseConfig;
  /** The broker's release when known, and its protocol API ranges. */
  readonly kafkaVersion: string;
  /** Where the servers came from: the environment, deploy/local, or testcontainers. */
  readonly source: 'env' | 'local' | 'containers';
}

declare module 'vitest' {
  export interface ProvidedContext {
    arbiterStack: StackEndpoints;
  }
}
