// Smoke: the deploy/local scripts keep their promises — ports from env, readiness before returning, reuse instead of
// a second copy, a log file under the run dir, stop that frees the port, and a loud refusal when the port is taken
// by something else. Runs a second broker and registry on free ports in a temporary run dir, beside the shared stack.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_DIR } from '../setup/local-stack.ts';
import { freePort } from '../setup/ports.ts';
import { probeApiVersions } from '../setup/kafka-probe.ts';

const runDir = mkdtempSync(join(tmpdir(), 'arbiter-stack-smoke-'));

interface Outcome { readonly code: number; readonly output: string }

function script(name: string, arg: string, env: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile('bash', [join(LOCAL_DIR, name), arg], { env: { ...process.env, ARBITER_RUN_DIR: runDir, ...env }, timeout: 240_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, output: `${stdout}${stderr}` });
    });
  });
}

function listen(server: Server | ReturnType<typeof createHttpServer>, port: number): Promise<void> {
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
}

afterAll(async () => {
  // Whatever a failed assertion left running in the temporary run dir is stopped here.
  await script('kafka.sh', 'stop', {});
  await script('registry.sh', 'stop', {});
  rmSync(runDir, { recursive: true, force: true });
});

describe('deploy/local/kafka.sh', () => {
  it('starts a broker on the ports from env, reuses it on a second start, and stop frees the port', async () => {
    const env = { KAFKA_PORT: String(await freePort()), KAFKA_CONTROLLER_PORT: String(await freePort()) };
    const first = await script('kafka.sh', 'start', env);
    expect(first.output).toMatch(/ready: Apache Kafka \d+\.\d+\.\d+/);
    expect(first.code).toBe(0);
    // Ready means answering the Kafka protocol, at the moment start returns.
    expect((await probeApiVersions('127.0.0.1', Number(env.KAFKA_PORT))).size).toBeGreaterThan(10);
    const pid = readFileSync(join(runDir, 'kafka.pid'), 'utf8').trim();
    expect(readFileSync(join(runDir, 'logs', 'kafka.log'), 'utf8')).toContain('Kafka Server started');

    const second = await script('kafka.sh', 'start', env);
    expect(second.code).toBe(0);
    expect(second.output).toContain(`reusing kafka pid ${pid}`);
    expect((await script('kafka.sh', 'status', env)).output).toContain(`running pid ${pid}`);

    expect((await script('kafka.sh', 'stop', env)).code).toBe(0);
    expect(existsSync(join(runDir, 'kafka.pid'))).toBe(false);
    await expect(probeApiVersions('127.0.0.1', Number(env.KAFKA_PORT), 2000)).rejects.toThrow(/unreachable/);
    expect((await script('kafka.sh', 'status', env)).code).toBe(3);
  });

  it('refuses a port held by something that is not a Kafka broker, naming the error code', async () => {
    const port = await freePort();
    const squatter = createServer((socket) => {
      socket.on('error', () => undefined); // the probe may reset the connection; that is its business
      socket.end('HTTP/1.0 400 Bad Request\r\n\r\n');
    });
    await listen(squatter, port);
    try {
      const r = await script('kafka.sh', 'start', { KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(await freePort()) });
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('ERR_LOCAL_PORT_BUSY');
      expect(r.output).toContain(String(port));
    } finally {
      squatter.close();
    }
  });
});

describe('deploy/local/registry.sh', () => {
  it('starts Apicurio on the port from env serving the Confluent API, reuses it, and stop frees the port', async () => {
    const env = { REGISTRY_PORT: String(await freePort()) };
    const first = await script('registry.sh', 'start', env);
    expect(first.code).toBe(0);
    expect(first.output).toMatch(/ready: Apicurio Registry \S+/);
    const subjects = await fetch(`http://127.0.0.1:${env.REGISTRY_PORT}/apis/ccompat/v7/subjects`);
    expect(await subjects.json()).toEqual([]);

    const second = await script('registry.sh', 'start', env);
    expect(second.output).toMatch(/reusing registry pid \d+/);

    expect((await script('registry.sh', 'stop', env)).code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${env.REGISTRY_PORT}/apis/ccompat/v7/subjects`)).rejects.toThrow();
  });

  it('refuses a port held by an HTTP server that is not a schema registry', async () => {
    const port = await freePort();
    const other = createHttpServer((_req, res) => res.writeHead(404).end('not here'));
    await listen(other, port);
    try {
      const r = await script('registry.sh', 'start', { REGISTRY_PORT: String(port) });
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('ERR_LOCAL_PORT_BUSY');
    } finally {
      other.close();
    }
  });
});
