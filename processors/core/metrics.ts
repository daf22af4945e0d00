// A minimal metrics registry: counters, gauges and histograms with labels, rendered in the Prometheus text
// exposition format (version 0.0.4). Shared by every processor; the API serves render() at /metrics.
// Contract: a metric name is registered once per registry (asking again with the same name, kind and label names
// returns the same metric); label values are free text and escaped on render. Hot path cost: one Map lookup per
// inc()/observe() keyed by the joined label values.

export type Labels = Readonly<Record<string, string>>;

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface MetricBase {
  readonly name: string;
  readonly help: string;
  readonly kind: 'counter' | 'gauge' | 'histogram';
  readonly labelNames: readonly string[];
  render(out: string[]): void;
}

/** Key for a label set: values in labelNames order, joined by a separator that cannot appear unescaped. */
function labelKey(labelNames: readonly string[], labels: Labels | undefined): string {
  if (labelNames.length === 0) return '';
  const parts: string[] = [];
  for (const n of labelNames) {
    const v = labels?.[n];
    if (v === undefined) throw new Error(`metric label "${n}" is missing (labels: ${labelNames.join(',')})`);
    parts.push(v);
  }
  return parts.join('\u0000');
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function renderLabels(labelNames: readonly string[], key: string, extra?: string): string {
  const values = labelNames.length === 0 ? [] : key.split('\u0000');
  const parts = labelNames.map((n, i) => `${n}="${escapeLabelValue(values[i] ?? '')}"`);
  if (extra !== undefined) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function formatNumber(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}

/** One number per label set: the storage and rendering counters and gauges share. */
abstract class ScalarMetric implements MetricBase {
  abstract readonly kind: 'counter' | 'gauge';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly values = new Map<string, number>();
  constructor(name: string, help: string, labelNames: readonly string[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(this.labelNames, labels)) ?? 0;
  }
  protected addTo(labels: Labels | undefined, by: number): void {
    const k = labelKey(this.labelNames, labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(out: string[]): void {
    for (const [k, v] of this.values) out.push(`${this.name}${renderLabels(this.labelNames, k)} ${formatNumber(v)}`);
  }
}

export class Counter extends ScalarMetric {
  readonly kind = 'counter' as const;
  /** Counters only go up; a negative increment is a programming error. */
  inc(labels?: Labels, by = 1): void {
    if (by < 0) throw new Error(`counter ${this.name} cannot decrease (inc by ${by})`);
    this.addTo(labels, by);
  }
  /** Sum over every label set (e.g. all drop reasons). */
  total(): number {
    let s = 0;
    for (const v of this.values.values()) s += v;
    return s;
  }
}

export class Gauge extends ScalarMetric {
  readonly kind = 'gauge' as const;
  set(labels: Labels | undefined, v: number): void {
    this.values.set(labelKey(this.labelNames, labels), v);
  }
  add(labels: Labels | undefined, by: number): void {
    this.addTo(labels, by);
  }
}

interface HistogramSeries {
  readonly buckets: number[];
  sum: number;
  count: number;
}

export class Histogram implements MetricBase {
  readonly kind = 'histogram' as const;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Upper bounds, ascending, without +Inf (implicit). */
  readonly bounds: readonly number[];
  private readonly series = new Map<string, HistogramSeries>();
  constructor(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]) {
    for (let i = 1; i < bounds.length; i++) {
      if (!((bounds[i] ?? 0) > (bounds[i - 1] ?? 0))) throw new Error(`histogram ${name}: bucket bounds must ascend`);
    }
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    this.bounds = bounds;
  }
  observe(labels: Labels | undefined, v: number): void {
    const k = labelKey(this.labelNames, labels);
    let s = this.series.get(k);
    if (s === undefined) {
      s = { buckets: new Array<number>(this.bounds.length).fill(0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    // Non-cumulative per bucket here; render() accumulates.
    let i = 0;
    while (i < this.bounds.length && v > (this.bounds[i] ?? Infinity)) i++;
    if (i < this.bounds.length) s.buckets[i] = (s.buckets[i] ?? 0) + 1;
    s.sum += v;
    s.count += 1;
  }
  count(labels?: Labels): number {
    return this.series.get(labelKey(this.labelNames, labels))?.count ?? 0;
  }
  render(out: string[]): void {
    for (const [k, s] of this.series) {
      let cum = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cum += s.buckets[i] ?? 0;
        out.push(`${this.name}_bucket${renderLabels(this.labelNames, k, `le="${formatNumber(this.bounds[i] ?? 0)}"`)} ${cum}`);
      }
      out.push(`${this.name}_bucket${renderLabels(this.labelNames, k, 'le="+Inf"')} ${s.count}`);
      out.push(`${this.name}_sum${renderLabels(this.labelNames, k)} ${formatNumber(s.sum)}`);
      out.push(`${this.name}_count${renderLabels(this.labelNames, k)} ${s.count}`);
    }
  }
}

/** Default latency buckets, seconds: 100µs .. 10s. */
export const DEFAULT_SECONDS_BUCKETS: readonly number[] = [
  0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10,
];

export class MetricsRegistry {
  private readonly metrics = new Map<string, MetricBase>();

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(name, 'counter', labelNames, () => new Counter(name, help, labelNames)) as Counter;
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.register(name, 'gauge', labelNames, () => new Gauge(name, help, labelNames)) as Gauge;
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], bounds = DEFAULT_SECONDS_BUCKETS): Histogram {
    return this.register(name, 'histogram', labelNames, () => new Histogram(name, help, labelNames, bounds)) as Histogram;
  }

  /** Prometheus text exposition (Content-Type: text/plain; version=0.0.4). */
  render(): string {
    const out: string[] = [];
    for (const m of this.metrics.values()) {
      out.push(`# HELP ${m.name} ${escapeHelp(m.help)}`);
      out.push(`# TYPE ${m.name} ${m.kind}`);
      m.render(out);
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }

  private register(name: string, kind: MetricBase['kind'], labelNames: readonly string[], make: () => MetricBase): MetricBase {
    const existing = this.metrics.get(name);
    if (existing !== undefined) {
      if (existing.kind !== kind || existing.labelNames.join(',') !== labelNames.join(',')) {
        throw new Error(`metric ${name} already registered as ${existing.kind}(${existing.labelNames.join(',')})`);
      }
      return existing;
    }
    if (!NAME_RE.test(name)) throw new Error(`invalid metric name "${name}"`);
    for (const l of labelNames) if (!LABEL_RE.test(l) || l.startsWith('__') || l === 'le') throw new Error(`invalid label name "${l}" on ${name}`);
    const m = make();
    this.metrics.set(name, m);
    return m;
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
