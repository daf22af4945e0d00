// Smoke for docker-compose.yml and deploy/k8s, which cannot run here (no Docker, no cluster): they parse, every long-running service has a
// health check, every file it mounts exists, the processors run their processors/bin entry points, and its server
// versions are the ones deploy/local and the testcontainers fallback run.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KAFKA_IMAGE, REGISTRY_IMAGE } from '../setup/containers.ts';
import { CLICKHOUSE_PLUGIN_ID } from '../../dashboards/clickhouse-query.ts';
import { STACK_SETTINGS } from '../../processors/core/config.ts';
import { KAFKA_SECURITY_SETTINGS } from '../../processors/core/kafka-security-config.ts';
import { healthConfigFromEnv } from '../../processors/core/health-server.ts';
import { siemServiceConfigFromEnv } from '../../processors/sinks/siem/main.ts';

const ROOT = join(import.meta.dirname, '..', '..');

interface Service {
  image?: string;
  command?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[] };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const PROCESSORS = ['verdict', 'aggregator', 'clickhouse-sink', 'approvals', 'siem-forwarder'];

function localVersion(name: string): string {
  return execFileSync('bash', ['-c', `source deploy/local/lib.sh && echo "$${name}"`], { cwd: ROOT, encoding: 'utf8' }).trim();
}

describe('docker-compose.yml', () => {
  it('has the servers, Grafana and the four processors, each long-running service with a health check', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['kafka', 'registry', 'clickhouse', 'grafana', ...PROCESSORS]));
    for (const [name, s] of Object.entries(services)) {
      if (name === 'deps') continue; // a one-shot npm ci job: it completes, it is not "healthy"
      expect(s.healthcheck?.test?.length, `${name} health check`).toBeGreaterThan(1);
    }
  });

  it('runs each processor from processors/bin/<service>.ts after the servers are healthy', () => {
    for (const name of PROCESSORS) {
      const s = services[name] as Service;
      expect(s.command).toEqual(['node', `processors/bin/${name}.ts`]);
      for (const dep of ['kafka', 'registry', 'clickhouse']) expect(s.depends_on?.[dep]?.condition).toBe('service_healthy');
    }
  });

  it('asks each processor for /health/ready on the port the health server reads from its environment', () => {
    for (const name of PROCESSORS) {
      const s = services[name] as Service;
      const env = s.environment ?? {};
      expect(healthConfigFromEnv(env).port, name).toBe(9464);
      expect(s.healthcheck?.test?.join(' ')).toContain("process.env.ARBITER_HEALTH_PORT+'/health/ready'");
    }
  });

  it('gives the SIEM forwarder a forwarders file that exists and validates', () => {
    const env: Record<string, string | undefined> = { ...services['siem-forwarder']?.environment, KAFKA_BROKERS: 'localhost:9092' };
    const file = env['ARBITER_SIEM_CONFIG'] as string;
    expect(file).toBeTruthy();
    expect(siemServiceConfigFromEnv({ ...env, ARBITER_SIEM_CONFIG: join(ROOT, file) }).forwarders.length).toBeGreaterThan(0);
  });

  it('mounts only files and directories that exist in the checkout', () => {
    const binds = Object.values(services).flatMap((s) => s.volumes ?? []).map((v) => v.split(':')[0] as string).filter((src) => src.startsWith('.'));
    expect(binds.length).toBeGreaterThan(3);
    for (const src of binds) expect(existsSync(resolve(ROOT, src)), src).toBe(true);
    expect(readdirSync(join(ROOT, 'dashboards', 'generated')).filter((f) => f.endsWith('.json')).length).toBeGreaterThan(0);
  });

  it('runs the same Kafka and registry versions as deploy/local and the testcontainers fallback', () => {
    expect(services['kafka']?.image).toBe(`apache/kafka:${localVersion('KAFKA_VERSION')}`);
    expect(services['registry']?.image).toBe(`apicurio/apicurio-registry-mem:${localVersion('APICURIO_VERSION')}`);
    expect(services['kafka']?.image).toBe(KAFKA_IMAGE);
    expect(services['registry']?.image).toBe(REGISTRY_IMAGE);
  });

  it('provisions Grafana with the ClickHouse data source plugin the dashboards query', () => {
    const ds = parse(readFileSync(join(ROOT, 'deploy/grafana/provisioning/datasources/clickhouse.yaml'), 'utf8')) as { datasources: { type: string; jsonData: { host: string } }[] };
    expect(ds.datasources[0]?.type).toBe(CLICKHOUSE_PLUGIN_ID);
    expect(ds.datasources[0]?.jsonData.host).toBe('clickhouse');
    expect(JSON.stringify(services['grafana'])).toContain(CLICKHOUSE_PLUGIN_ID);
  });
});

describe('deploy/k8s manifests', () => {
  interface Resource {
    kind: string;
    metadata: { name: string };
    data?: Record<string, string>;
    spec?: { template: { spec: { containers: {
      command: string[]; envFrom: { configMapRef: { name: string } }[]; ports: { name: string; containerPort: number }[];
      readinessProbe: { httpGet: { path: string; port: string } }; livenessProbe: { httpGet: { path: string; port: string } };
    }[] } } };
  }
  const dir = join(ROOT, 'deploy', 'k8s');
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  const resources = kustomization.resources.map((f) => parse(readFileSync(join(dir, f), 'utf8')) as Resource);

  it('runs the same processor entry points as docker-compose, with the same probe paths and port, from the endpoints ConfigMap', () => {
    const deployments = resources.filter((r) => r.kind === 'Deployment');
    const configMaps = new Set(resources.filter((r) => r.kind === 'ConfigMap').map((r) => r.metadata.name));
    expect(deployments.map((d) => d.spec?.template.spec.containers[0]?.command)).toEqual(PROCESSORS.map((p) => services[p]?.command));
    for (const d of deployments) {
      const c = d.spec?.template.spec.containers[0];
      expect(c?.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(c?.livenessProbe.httpGet.path).toBe('/health/live');
      const port = c?.ports.find((p) => p.name === c.readinessProbe.httpGet.port)?.containerPort;
      expect(port).toBe(healthConfigFromEnv(resources.find((r) => r.metadata.name === 'arbiter-endpoints')?.data ?? {}).port);
      for (const ref of c?.envFrom ?? []) expect(configMaps.has(ref.configMapRef.name)).toBe(true);
    }
  });

  it('sets only endpoint settings processors/core/config.ts knows, and its image copies paths that exist', () => {
    const known = new Set([...Object.keys(STACK_SETTINGS), ...Object.keys(KAFKA_SECURITY_SETTINGS), 'ARBITER_HEALTH_PORT']);
    for (const key of Object.keys(resources.find((r) => r.metadata.name === 'arbiter-endpoints')?.data ?? {})) expect(known.has(key), key).toBe(true);
    const copies = readFileSync(join(dir, 'Dockerfile'), 'utf8').split('\n').filter((l) => l.startsWith('COPY ')).flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(copies.length).toBeGreaterThan(3);
    for (const src of copies) expect(existsSync(join(ROOT, src)), src).toBe(true);
  });
});
