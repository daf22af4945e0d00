// vitest global setup for the `int` project: makes sure a real Kafka broker and a real schema registry are reachable
// before any integration test runs, and hands their endpoints to the tests. For each server, in order:
//   (a) the endpoint given in the environment (KAFKA_BROKERS, SCHEMA_REGISTRY_URL; CLICKHOUSE_URL optional);
//   (b) otherwise deploy/local: reuse the server already answering on its port, or start it (and stop it at the end);
//   (c) otherwise, when (b) cannot run here and a Docker engine exists, testcontainers.
// ClickHouse is chDB in the test process unless CLICKHOUSE_URL names a server (then it must answer a ping).
// It never skips: a server that can't be started or reached fails the run with ARB_STACK_UNAVAILABLE.
// Tests read the endpoints from process.env (KAFKA_BROKERS, SCHEMA_REGISTRY_URL) or inject('arbiterStack').
import type { TestProject } from 'vitest/node';
import { ArbiterError } from '../../processors/core/errors.ts';
import { loadStackConfig } from '../../processors/core/config.ts';
import { createClickHouse } from '../../processors/runtime/clickhouse-client.ts';
import { describeApiVersions, probeApiVersions } from './kafka-probe.ts';
import { warmCoordinators } from './warm-coordinators.ts';
import { ensurePrereqs, isRunning, localKafkaVersion, startServer, stopServer, type LocalServer } from './local-stack.ts';
import { dockerAvailable, KAFKA_IMAGE, startContainers } from './containers.ts';
import type { StackEndpoints } from './endpoints.ts';

type Teardown = () => Promise<void>;

function fail(message: string): never {
  throw new ArbiterError('ARB_STACK_UNAVAILABLE', message);
}

function say(line: string): void {
  console.log(`[arbiter:int] ${line}`);
}

/** Starts (or reuses) the deploy/local servers in `need`; returns the stop actions for those it started. */
async function useLocal(need: readonly LocalServer[]): Promise<Teardown[]> {
  const prereqs = await ensurePrereqs();
  if (!prereqs.ok) throw new Error(`deploy/local/prereqs.sh failed:\n${prereqs.output}`);
  const stops: Teardown[] = [];
  for (const server of need) {
    if (await isRunning(server)) {
      say(`${server}: reusing the server already running (it stays up after the tests)`);
      continue;
    }
    const started = await startServer(server);
    if (!started.ok) {
      for (const stop of stops.reverse()) await stop();
      throw new Error(`deploy/local/${server}.sh start failed:\n${started.output}`);
    }
    say(`${server}: started by this run (stopped at the end)`);
    stops.push(async () => {
      const r = await stopServer(server);
      if (!r.ok) console.error(`[arbiter:int] stopping ${server} failed:\n${r.output}`);
    });
  }
  return stops;
}

async function registryAnswers(url: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    fail(`schema registry ${url} unreachable: ${(e as Error).message}`);
  }
  const body = await res.text();
  if (!res.ok || !body.trim().startsWith('[')) fail(`schema registry ${url}/subjects answered ${res.status} "${body.slice(0, 200)}", not a subject list`);
}

export default async function setup(project: TestProject): Promise<Teardown> {
  const env = process.env;
  const teardowns: Teardown[] = [];
  let brokers = env['KAFKA_BROKERS'];
  let registryUrl = env['SCHEMA_REGISTRY_URL'];
  let kafkaRelease = brokers === undefined ? undefined : 'external broker';
  let source: StackEndpoints['source'] = 'env';

  const need: LocalServer[] = [];
  if (brokers === undefined) need.push('kafka');
  if (registryUrl === undefined) need.push('registry');
  if (need.length > 0) {
    try {
      teardowns.push(...(await useLocal(need)));
      source = 'local';
      if (brokers === undefined) {
        brokers = `localhost:${env['KAFKA_PORT'] ?? '9092'}`;
        kafkaRelease = `Apache Kafka ${await localKafkaVersion()} (deploy/local)`;
      }
      registryUrl ??= `http://localhost:${env['REGISTRY_PORT'] ?? '8081'}/apis/ccompat/v7`;
    } catch (localError) {
      if (!(await dockerAvailable())) {
        fail(`no real servers for the integration tests: ${need.join(' and ')} not given by env, deploy/local could not provide them, and no Docker engine for testcontainers.\n${(localError as Error).message}`);
      }
      say(`deploy/local unavailable (${(localError as Error).message.split('\n')[0]}); using testcontainers`);
      const stack = await startContainers();
      teardowns.push(() => stack.stop());
      source = 'containers';
      if (brokers === undefined) {
        brokers = stack.brokers;
        kafkaRelease = KAFKA_IMAGE;
      }
      registryUrl ??= stack.registryUrl;
    }
  }

  try {
    // Validated once, like any process's config: a malformed endpoint fails here with the key named.
    const config = loadStackConfig({ ...env, KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl });
    const [host, port] = (config.kafka.brokers[0] as string).split(':') as [string, string];
    const api = await probeApiVersions(host, Number(port)).catch((e: Error) => fail(e.message));
    await registryAnswers(config.registry.url);
    say(await warmCoordinators(config.kafka.brokers));
    if (config.clickhouse.kind === 'http') {
      const ch = createClickHouse(config.clickhouse);
      const ping = await ch.ping();
      await ch.close();
      if (!ping.success) fail(`ClickHouse at ${config.clickhouse.url} did not answer a ping: ${String(ping.error)}`);
    }
    const endpoints: StackEndpoints = {
      kafkaBrokers: config.kafka.brokers.join(','),
      registryUrl: config.registry.url,
      clickhouse: config.clickhouse,
      kafkaVersion: `${kafkaRelease}; ${describeApiVersions(api)}`,
      source,
    };
    say(`Kafka broker ${endpoints.kafkaBrokers}: ${endpoints.kafkaVersion}`);
    say(`schema registry ${endpoints.registryUrl}; ClickHouse: ${config.clickhouse.kind === 'http' ? config.clickhouse.url : 'chDB (in-process)'}`);
    // Workers are started after global setup, so they inherit these.
    env['KAFKA_BROKERS'] = endpoints.kafkaBrokers;
    env['SCHEMA_REGISTRY_URL'] = endpoints.registryUrl;
    project.provide('arbiterStack', endpoints);
  } catch (e) {
    for (const t of teardowns.reverse()) await t();
    throw e;
  }

  return async () => {
    for (const t of teardowns.reverse()) await t();
  };
}
