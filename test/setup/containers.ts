// Third way to real servers, for machines with a Docker engine but without Java: Kafka and Apicurio in containers.
// Same images and versions as docker-compose.yml. Kafka advertises the host port it is published on, so the host
// port is chosen first and mapped to the same port inside the container.
import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { freePort } from './ports.ts';

export const KAFKA_IMAGE = 'apache/kafka:4.1.1';
export const REGISTRY_IMAGE = 'apicurio/apicurio-registry-mem:2.4.2.Final';

export interface ContainerStack {
  readonly brokers: string;
  readonly registryUrl: string;
  stop(): Promise<void>;
}

export async function dockerAvailable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export async function startContainers(): Promise<ContainerStack> {
  const started: StartedTestContainer[] = [];
  try {
    const port = await freePort();
    const kafka = await new GenericContainer(KAFKA_IMAGE)
      .withExposedPorts({ container: port, host: port })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: `PLAINTEXT://:${port},CONTROLLER://:9093`,
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${port}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start();
    started.push(kafka);
    const registry = await new GenericContainer(REGISTRY_IMAGE)
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080))
      .start();
    started.push(registry);
    return {
      brokers: `localhost:${port}`,
      registryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
      stop: async () => {
        for (const c of started.reverse()) await c.stop();
      },
    };
  } catch (e) {
    for (const c of started.reverse()) await c.stop().catch(() => undefined);
    throw e;
  }
}
