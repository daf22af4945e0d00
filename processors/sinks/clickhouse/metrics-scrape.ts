// Pipeline health from the other deployables. Each already serves its counters on /metrics (Prometheus text,
// processors/core/metrics.ts); the sink, the one deployable with a ClickHouse client, fetches every target each
// interval and appends the pipeline numbers to pipeline_metrics (why scraping, not a metrics topic:
// docs/decisions.md, "Pipeline metrics"). Mapping (PIPELINE_METRICS names, labels the dashboard reads):
//   arbiter_verdict_dead_letters_total{topic,code} -> dlq_records_total{topic: the source topic's DLQ, code}
//   arbiter_siem_dlq_total{format,code}            -> dlq_records_total{topic: arbiter.dlq.siem-<format>, code}
//   arbiter_siem_dropped_total{format,reason}      -> forwarder_dropped_total{forwarder: format, reason}
//   arbiter_siem_retries_total{format}             -> forwarder_retries_total{forwarder: format}
// A counter absent from a target's previous scrape and present now was 0 before (Prometheus convention): a 0 sample
// is written just before the first value, so the dashboard's sample-to-sample increase counts it. On a target's very
// first scrape nothing is synthesised (its history before the sink started is unknown).
// Each round also writes the consumer lag of the other deployables' groups when a lag sampler is given.
import type { ClickHouseClient } from '@clickhouse/client';
import { ArbiterError, type Problem } from '../../core/errors.ts';
import { dlqFor, type TopicMap } from '../../runtime/topics.ts';
import { dlqTopicFor } from '../siem/config.ts';
import type { ConsumerLagSampler } from './consumer-lag.ts';
import { PIPELINE_METRICS, writePipelineMetrics, type PipelineSample } from './pipeline-metrics.ts';

export interface ScrapeTarget {
  /** Becomes the samples' instance (e.g. verdict-0); unique per target. */
  readonly instance: string;
  readonly url: string;
}

export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/gy;

/** Samples of a Prometheus text exposition (0.0.4). Comments and unparsable lines are skipped. */
export function parsePrometheusText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL.lastIndex = 0;
    let l: RegExpExecArray | null;
    while ((l = LABEL.exec(body)) !== null) {
      labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = Number(m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : m[3]);
    out.push({ name: m[1] ?? '', labels, value });
  }
  return out;
}

/** The pipeline samples a target's exposition holds (other metrics are ignored). */
export function toPipelineSamples(samples: readonly PromSample[], atMs: number, instance: string, topics: TopicMap): PipelineSample[] {
  const out: PipelineSample[] = [];
  for (const s of samples) {
    const l = s.labels;
    const add = (component: string, metric: PipelineSample['metric'], labels: Record<string, string>): void => {
      out.push({ atMs, component, instance, metric, labels, value: s.value });
    };
    switch (s.name) {
      case 'arbiter_verdict_dead_letters_total':
        add('verdict', PIPELINE_METRICS.dlqRecords, { topic: dlqFor(topics, l['topic'] ?? '')?.topic ?? l['topic'] ?? '', code: l['code'] ?? '' });
        break;
      case 'arbiter_siem_dlq_total':
        add('siem-forwarder', PIPELINE_METRICS.dlqRecords, { topic: dlqTopicFor((l['format'] ?? '') as Parameters<typeof dlqTopicFor>[0]), code: l['code'] ?? '' });
        break;
      case 'arbiter_siem_dropped_total':
        add('siem-forwarder', PIPELINE_METRICS.forwarderDropped, { forwarder: l['format'] ?? '', reason: l['reason'] ?? '' });
        break;
      case 'arbiter_siem_retries_total':
        add('siem-forwarder', PIPELINE_METRICS.forwarderRetries, { forwarder: l['format'] ?? '' });
        break;
    }
  }
  return out;
}

const seriesKey = (s: PipelineSample): string => `${s.metric}\u0000${JSON.stringify(Object.entries(s.labels).sort())}`;

/** ARBITER_CH_SCRAPE_TARGETS: "instance=url,instance=url" (empty: none). Problems name the key. */
export function parseScrapeTargets(raw: string | undefined): ScrapeTarget[] {
  if (raw === undefined || raw.trim() === '') return [];
  const problems: Problem[] = [];
  const targets: ScrapeTarget[] = [];
  for (const part of raw.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const instance = part.slice(0, eq).trim();
    const url = part.slice(eq + 1).trim();
    let ok = eq > 0 && /^[A-Za-z0-9_.-]+$/.test(instance);
    try {
      ok &&= ['http:', 'https:'].includes(new URL(url).protocol);
    } catch {
      ok = false;
    }
    if (!ok) problems.push({ code: 'ARB_CONFIG_INVALID', severity: 'error', message: `"${part}" is not instance=http(s)://host:port/metrics`, location: { key: 'ARBITER_CH_SCRAPE_TARGETS' } });
    else if (targets.some((t) => t.instance === instance)) problems.push({ code: 'ARB_CONFIG_INVALID', severity: 'error', message: `instance "${instance}" is listed twice`, location: { key: 'ARBITER_CH_SCRAPE_TARGETS' } });
    else targets.push({ instance, url });
  }
  if (problems.length > 0) {
    throw new ArbiterError('ARB_CONFIG_INVALID', `ARBITER_CH_SCRAPE_TARGETS: ${problems.map((p) => p.message).join('; ')}`, { key: 'ARBITER_CH_SCRAPE_TARGETS' });
  }
  return targets;
}

export interface MetricsScraperOptions {
  readonly client: ClickHouseClient;
  readonly targets: readonly ScrapeTarget[];
  readonly topics: TopicMap;
  /** 0 = no timer (call scrapeOnce()). */
  readonly intervalMs: number;
  /** Also written each round: the other groups' consumer lag, read from the broker (consumer-lag.ts). */
  readonly lag?: ConsumerLagSampler;
  /** A target that does not answer is reported and retried next interval; the others are still written. */
  readonly onError?: (target: ScrapeTarget, error: Error) => void;
  readonly timeoutMs?: number;
}

export interface MetricsScraper {
  /** One round over every target; resolves once the samples are written. */
  scrapeOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function startMetricsScraper(o: MetricsScraperOptions): MetricsScraper {
  /** Per target: the series its last successful scrape held (undefined = never scraped). */
  const seen = new Map<string, Set<string>>();
  let round: Promise<number> = Promise.resolve(0);

  async function scrapeTarget(t: ScrapeTarget, atMs: number): Promise<PipelineSample[]> {
    const res = await fetch(t.url, { signal: AbortSignal.timeout(o.timeoutMs ?? 5_000) });
    if (!res.ok) throw new Error(`GET ${t.url} answered ${res.status}`);
    const samples = toPipelineSamples(parsePrometheusText(await res.text()), atMs, t.instance, o.topics);
    const before = seen.get(t.instance);
    const now = new Set(samples.map(seriesKey));
    const zeros = before === undefined ? [] : samples.filter((s) => !before.has(seriesKey(s))).map((s) => ({ ...s, atMs: atMs - 1, value: 0 }));
    seen.set(t.instance, now);
    return [...zeros, ...samples];
  }

  async function once(): Promise<number> {
    const atMs = Date.now();
    const results = await Promise.allSettled(o.targets.map((t) => scrapeTarget(t, atMs)));
    const rows: PipelineSample[] = [];
    for (const [i, r] of results.entries()) {
      if (r.status === 'fulfilled') rows.push(...r.value);
      else o.onError?.(o.targets[i] as ScrapeTarget, r.reason as Error);
    }
    if (o.lag) {
      try {
        rows.push(...(await o.lag.sample(atMs)));
      } catch (e) {
        o.onError?.({ instance: 'consumer-lag', url: '' }, e as Error);
      }
    }
    await writePipelineMetrics(o.client, rows);
    return rows.length;
  }

  // Rounds never overlap: a slow target delays the next round instead of stacking requests.
  const next = (): Promise<number> => (round = round.then(once, once));
  const timer = o.intervalMs > 0 && (o.targets.length > 0 || o.lag !== undefined)
    ? setInterval(() => void next().catch((e: unknown) => o.onError?.({ instance: '*', url: '' }, e as Error)), o.intervalMs)
    : undefined;
  return {
    scrapeOnce: next,
    async stop() {
      if (timer) clearInterval(timer);
      await round.catch(() => 0);
      await o.lag?.close();
    },
  };
}
