// The health server over real HTTP in this process: live while the loop turns, 503 right after the event loop was
// blocked longer than the limit (the probe that waited through the stall is told), live again a tick later; ready
// follows the conditions; /metrics is the registry's Prometheus text plus the server's own gauges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readiness, startHealthServer, type HealthServer } from '../../processors/core/health-server.ts';
import { MetricsRegistry } from '../../processors/core/metrics.ts';

const blockFor = (ms: number): void => {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* a stalled event loop */ }
};

describe('health server', () => {
  const readiness = new Readiness();
  const metrics = new MetricsRegistry();
  let server: HealthServer;
  const get = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`);

  beforeAll(async () => {
    server = await startHealthServer({ port: 0, host: '127.0.0.1', maxLoopDelayMs: 300 }, readiness, metrics);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('reports a stall longer than the limit to the probe that waited through it, then is live again', async () => {
    expect((await get('/health/live')).status).toBe(200);
    const waiting = get('/health/live'); // goes out when the loop turns again: after the stall
    blockFor(1_500);
    const during = await waiting;
    expect(during.status).toBe(503);
    expect(((await during.json()) as { stalledMs: number }).stalledMs).toBeGreaterThan(300);
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await get('/health/live')).status).toBe(200);
  });

  it('answers /health/ready by its conditions and serves /metrics', async () => {
    metrics.counter('it_things_total', 'Things.').inc(undefined, 3);
    readiness.require('started', 'starting');
    expect(await (await get('/health/ready')).json()).toEqual({ ready: false, conditions: { started: 'starting' } });
    expect((await get('/health/ready')).status).toBe(503);
    readiness.set('started', true);
    expect((await get('/health/ready')).status).toBe(200);
    const m = await get('/metrics');
    expect(m.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await m.text();
    expect(text).toContain('it_things_total 3');
    expect(text).toContain('arbiter_ready 1');
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect((await get('/nope')).status).toBe(404);
  });
});
