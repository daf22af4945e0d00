import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../processors/core/metrics.ts';
import { defineTopics } from '../../../processors/runtime/topics.ts';
import { parsePrometheusText, parseScrapeTargets, toPipelineSamples } from '../../../processors/sinks/clickhouse/metrics-scrape.ts';

const topics = defineTopics({ prefix: 'acme', partitions: 2, replicationFactor: 1 });

describe('metrics scrape: Prometheus text to pipeline_metrics samples', () => {
  it('reads back what the metrics registry renders, escaped label values included', () => {
    const r = new MetricsRegistry();
    r.counter('arbiter_siem_dropped_total', 'h', ['format', 'reason']).inc({ format: 'cef', reason: 'queue "full"\\now\n' }, 4);
    r.gauge('arbiter_ready', 'h').set(undefined, 1);
    r.histogram('arbiter_siem_request_seconds', 'h', ['format'], [0.1]).observe({ format: 'hec' }, 0.05);
    const samples = parsePrometheusText(r.render());
    expect(samples).toContainEqual({ name: 'arbiter_siem_dropped_total', labels: { format: 'cef', reason: 'queue "full"\\now\n' }, value: 4 });
    expect(samples).toContainEqual({ name: 'arbiter_ready', labels: {}, value: 1 });
    expect(samples).toContainEqual({ name: 'arbiter_siem_request_seconds_bucket', labels: { format: 'hec', le: '+Inf' }, value: 1 });
  });

  it('maps the verdict and SIEM counters to the dashboard\'s metric names and labels; ignores the rest', () => {
    const text = [
      `arbiter_verdict_dead_letters_total{topic="${topics.proposals.topic}",code="ARB_SERDE_DECODE_FAILED"} 3`,
      'arbiter_siem_dlq_total{format="hec",code="ARB_SIEM_DECODE_FAILED"} 2',
      'arbiter_siem_dropped_total{format="cef",reason="queue_full"} 5',
      'arbiter_siem_retries_total{format="ocsf"} 7',
      'arbiter_siem_delivered_total{format="ocsf"} 70',
    ].join('\n');
    const out = toPipelineSamples(parsePrometheusText(text), 1000, 'x-0', topics);
    expect(out.map(({ component, metric, labels, value }) => ({ component, metric, labels, value }))).toEqual([
      { component: 'verdict', metric: 'dlq_records_total', labels: { topic: topics.dlqProposals.topic, code: 'ARB_SERDE_DECODE_FAILED' }, value: 3 },
      { component: 'siem-forwarder', metric: 'dlq_records_total', labels: { topic: 'arbiter.dlq.siem-hec', code: 'ARB_SIEM_DECODE_FAILED' }, value: 2 },
      { component: 'siem-forwarder', metric: 'forwarder_dropped_total', labels: { forwarder: 'cef', reason: 'queue_full' }, value: 5 },
      { component: 'siem-forwarder', metric: 'forwarder_retries_total', labels: { forwarder: 'ocsf' }, value: 7 },
    ]);
    expect(out.every((s) => s.atMs === 1000 && s.instance === 'x-0')).toBe(true);
  });

  it('parses ARBITER_CH_SCRAPE_TARGETS and names every bad entry', () => {
    expect(parseScrapeTargets(undefined)).toEqual([]);
    expect(parseScrapeTargets(' verdict-0=http://v:9464/metrics , siem=https://s/metrics')).toEqual([
      { instance: 'verdict-0', url: 'http://v:9464/metrics' }, { instance: 'siem', url: 'https://s/metrics' },
    ]);
    expect(() => parseScrapeTargets('v=ftp://x,=http://y,a=http://z,a=http://w')).toThrow(
      /ARB_CONFIG_INVALID: ARBITER_CH_SCRAPE_TARGETS: "v=ftp:\/\/x" is not .*; "=http:\/\/y" is not .*; instance "a" is listed twice/);
  });
});
