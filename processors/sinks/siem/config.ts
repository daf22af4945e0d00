// SIEM forwarder configuration: one forwarder per format, each in its own consumer group.
// validateSiemConfig() runs once at startup; it collects every problem (with its config key) and throws one
// ARB_SIEM_CONFIG_INVALID listing them all, so an operator fixes a config in one pass. Secrets (tokens, API keys)
// are never echoed into error messages.
import { ArbiterError } from '../../core/errors.ts';
import type { Effect } from '../../core/types.ts';
import { SEVERITIES, type Severity } from './input.ts';

export type SiemFormat = 'ocsf' | 'cef' | 'hec' | 'ecs';
export const SIEM_FORMATS: readonly SiemFormat[] = ['ocsf', 'cef', 'hec', 'ecs'];
const EFFECTS: readonly Effect[] = ['allow', 'deny', 'modify', 'escalate'];

export interface SiemFilterConfig {
  /** Decisions with these effects are forwarded (default: all four). */
  readonly effects: readonly Effect[];
  /** Events below this severity are not forwarded (default: info, i.e. everything). */
  readonly minSeverity: Severity;
  /** Only these tenants; empty means every tenant. */
  readonly tenants: readonly string[];
  /** Forward TrajectoryAlerts (default true). */
  readonly alerts: boolean;
}

export interface DeliveryConfig {
  /** Attempts per event before it goes to the DLQ (>= 1). */
  readonly maxAttempts: number;
  /** First retry waits about this long; each next one doubles, capped at maxBackoffMs; "equal jitter" (half fixed, half random). */
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Events per request to the peer. */
  readonly batchSize: number;
  /** Bounded in-memory queue between the consumer and the peer, in events. */
  readonly queueCapacity: number;
  /** One request (or one syslog write) may take this long before it counts as failed. */
  readonly requestTimeoutMs: number;
}

export interface SyslogPeerConfig {
  readonly kind: 'syslog';
  readonly host: string;
  readonly port: number;
  /** RFC 5425 TLS when present; plain TCP (RFC 6587 octet counting) otherwise. */
  readonly tls?: { readonly ca: string; readonly servername?: string };
  /** Syslog facility 0..23 (default 13, log audit). */
  readonly facility: number;
  readonly appName: string;
  /** HOSTNAME field of the RFC 5424 header. */
  readonly hostname: string;
}

export interface HecPeerConfig {
  readonly kind: 'hec';
  /** Base URL, e.g. https://splunk:8088 ; the forwarder posts to <url>/services/collector/event. */
  readonly url: string;
  readonly token: string;
  readonly index?: string;
  readonly source: string;
  readonly sourcetype: string;
  readonly host: string;
}

export interface EcsPeerConfig {
  readonly kind: 'ecs';
  /** Elasticsearch base URL; the forwarder posts to <url>/_bulk. */
  readonly url: string;
  /** Index or data stream written with `create` (idempotent by event id). */
  readonly index: string;
  /** Full Authorization header value (e.g. "ApiKey …"), optional. */
  readonly authorization?: string;
}

export interface HttpPeerConfig {
  readonly kind: 'http';
  /** OCSF events are POSTed here as newline-delimited JSON. */
  readonly url: string;
  readonly authorization?: string;
}

export type PeerConfig = SyslogPeerConfig | HecPeerConfig | EcsPeerConfig | HttpPeerConfig;

export interface SiemForwarderConfig {
  readonly format: SiemFormat;
  readonly groupId: string;
  readonly sourceTopics: readonly string[];
  readonly dlqTopic: string;
  readonly filter: SiemFilterConfig;
  readonly delivery: DeliveryConfig;
  readonly peer: PeerConfig;
  /** Run the OCSF required-attribute check on every event before sending (OCSF format only). */
  readonly validateOcsf: boolean;
}

/** Which peer kind carries which format. */
const PEER_FOR_FORMAT: Readonly<Record<SiemFormat, PeerConfig['kind']>> = {
  ocsf: 'http', cef: 'syslog', hec: 'hec', ecs: 'ecs',
};

export const DEFAULT_DELIVERY: DeliveryConfig = {
  maxAttempts: 12, baseBackoffMs: 200, maxBackoffMs: 30_000, batchSize: 500, queueCapacity: 10_000, requestTimeoutMs: 10_000,
};

export const DEFAULT_SOURCE_TOPICS: readonly string[] = ['arbiter.decisions', 'arbiter.alerts'];

export function dlqTopicFor(format: SiemFormat): string {
  return `arbiter.dlq.siem-${format}`;
}

type Raw = Record<string, unknown>;

class Collector {
  readonly problems: string[] = [];
  add(key: string, what: string): void {
    this.problems.push(`${key}: ${what}`);
  }
  obj(v: unknown, key: string): Raw | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.add(key, 'must be an object');
      return undefined;
    }
    return v as Raw;
  }
  str(o: Raw, k: string, key: string, def?: string, secret = false): string {
    const v = o[k];
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== 'string' || v === '') {
      this.add(`${key}.${k}`, secret ? 'must be a non-empty string (value hidden)' : `must be a non-empty string, got ${JSON.stringify(v)}`);
      return def ?? '';
    }
    return v;
  }
  optStr(o: Raw, k: string, key: string, secret = false): string | undefined {
    return o[k] === undefined ? undefined : this.str(o, k, key, undefined, secret);
  }
  int(o: Raw, k: string, key: string, def: number, min: number, max: number): number {
    const v = o[k];
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.add(`${key}.${k}`, `must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
      return def;
    }
    return v;
  }
  url(o: Raw, k: string, key: string): string {
    const s = this.str(o, k, key);
    if (s === '') return s;
    try {
      const u = new URL(s);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') this.add(`${key}.${k}`, `must be an http(s) URL, got ${u.protocol}`);
      if (u.username !== '' || u.password !== '') this.add(`${key}.${k}`, 'must not carry credentials; use the authorization/token setting');
    } catch {
      this.add(`${key}.${k}`, 'must be an absolute URL');
    }
    return s.replace(/\/+$/, '');
  }
  strList<T extends string>(o: Raw, k: string, key: string, def: readonly T[], allowed?: readonly T[]): readonly T[] {
    const v = o[k];
    if (v === undefined) return def;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) {
      this.add(`${key}.${k}`, 'must be a list of non-empty strings');
      return def;
    }
    if (allowed !== undefined) {
      for (const x of v as string[]) if (!allowed.includes(x as T)) this.add(`${key}.${k}`, `"${x}" is not one of ${allowed.join(', ')}`);
    }
    return v as T[];
  }
  unknownKeys(o: Raw, known: readonly string[], key: string): void {
    for (const k of Object.keys(o)) if (!known.includes(k)) this.add(`${key}.${k}`, `unknown setting (known: ${known.join(', ')})`);
  }
}

function peerConfig(c: Collector, raw: Raw | undefined, format: SiemFormat, key: string): PeerConfig {
  const want = PEER_FOR_FORMAT[format];
  const o = raw ?? {};
  if (raw === undefined) c.add(key, `is required (a "${want}" peer for format ${format})`);
  const kind = o['kind'] ?? want;
  if (kind !== want) c.add(`${key}.kind`, `format ${format} is sent to a "${want}" peer, got ${JSON.stringify(kind)}`);
  switch (want) {
    case 'syslog': {
      c.unknownKeys(o, ['kind', 'host', 'port', 'tls', 'facility', 'appName', 'hostname'], key);
      const tlsRaw = c.obj(o['tls'], `${key}.tls`);
      let tls: SyslogPeerConfig['tls'];
      if (tlsRaw !== undefined) {
        c.unknownKeys(tlsRaw, ['ca', 'servername'], `${key}.tls`);
        const servername = c.optStr(tlsRaw, 'servername', `${key}.tls`);
        tls = { ca: c.str(tlsRaw, 'ca', `${key}.tls`), ...(servername !== undefined ? { servername } : {}) };
      }
      const appName = c.str(o, 'appName', key, 'arbiter');
      const hostname = c.str(o, 'hostname', key, 'arbiter');
      for (const [k, v, max] of [['appName', appName, 48], ['hostname', hostname, 255]] as const) {
        if (!/^[\x21-\x7e]+$/.test(v) || v.length > max) c.add(`${key}.${k}`, `must be 1..${max} printable ASCII characters without spaces (RFC 5424)`);
      }
      return {
        kind: 'syslog', host: c.str(o, 'host', key), port: o['port'] === undefined ? (c.add(`${key}.port`, 'is required'), 0) : c.int(o, 'port', key, 0, 1, 65535),
        ...(tls !== undefined ? { tls } : {}), facility: c.int(o, 'facility', key, 13, 0, 23), appName, hostname,
      };
    }
    case 'hec': {
      c.unknownKeys(o, ['kind', 'url', 'token', 'index', 'source', 'sourcetype', 'host'], key);
      const index = c.optStr(o, 'index', key);
      return {
        kind: 'hec', url: c.url(o, 'url', key), token: c.str(o, 'token', key, undefined, true),
        ...(index !== undefined ? { index } : {}),
        source: c.str(o, 'source', key, 'arbiter'), sourcetype: c.str(o, 'sourcetype', key, 'arbiter:ocsf'),
        host: c.str(o, 'host', key, 'arbiter'),
      };
    }
    case 'ecs': {
      c.unknownKeys(o, ['kind', 'url', 'index', 'authorization'], key);
      const authorization = c.optStr(o, 'authorization', key, true);
      return {
        kind: 'ecs', url: c.url(o, 'url', key), index: c.str(o, 'index', key, 'logs-arbiter-default'),
        ...(authorization !== undefined ? { authorization } : {}),
      };
    }
    case 'http': {
      c.unknownKeys(o, ['kind', 'url', 'authorization'], key);
      const authorization = c.optStr(o, 'authorization', key, true);
      return { kind: 'http', url: c.url(o, 'url', key), ...(authorization !== undefined ? { authorization } : {}) };
    }
  }
}

/** Validates one forwarder's config (e.g. parsed from YAML/env); throws ARB_SIEM_CONFIG_INVALID listing every problem. */
export function validateSiemConfig(raw: unknown, key = 'siem'): SiemForwarderConfig {
  const c = new Collector();
  const o = c.obj(raw, key) ?? {};
  if (raw === undefined) c.add(key, 'is required');
  c.unknownKeys(o, ['format', 'groupId', 'sourceTopics', 'dlqTopic', 'filter', 'delivery', 'peer', 'validateOcsf'], key);
  const formatRaw = o['format'];
  const format: SiemFormat = SIEM_FORMATS.includes(formatRaw as SiemFormat) ? (formatRaw as SiemFormat) : 'ocsf';
  if (!SIEM_FORMATS.includes(formatRaw as SiemFormat)) c.add(`${key}.format`, `must be one of ${SIEM_FORMATS.join(', ')}, got ${JSON.stringify(formatRaw)}`);

  const f = c.obj(o['filter'], `${key}.filter`) ?? {};
  c.unknownKeys(f, ['effects', 'minSeverity', 'tenants', 'alerts'], `${key}.filter`);
  const minSeverity = (f['minSeverity'] ?? 'info') as Severity;
  if (!SEVERITIES.includes(minSeverity)) c.add(`${key}.filter.minSeverity`, `must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(f['minSeverity'])}`);
  if (f['alerts'] !== undefined && typeof f['alerts'] !== 'boolean') c.add(`${key}.filter.alerts`, 'must be true or false');
  const filter: SiemFilterConfig = {
    effects: c.strList(f, 'effects', `${key}.filter`, EFFECTS, EFFECTS),
    minSeverity,
    tenants: c.strList(f, 'tenants', `${key}.filter`, []),
    alerts: f['alerts'] !== false,
  };

  const d = c.obj(o['delivery'], `${key}.delivery`) ?? {};
  c.unknownKeys(d, Object.keys(DEFAULT_DELIVERY), `${key}.delivery`);
  const dk = `${key}.delivery`;
  const delivery: DeliveryConfig = {
    maxAttempts: c.int(d, 'maxAttempts', dk, DEFAULT_DELIVERY.maxAttempts, 1, 1000),
    baseBackoffMs: c.int(d, 'baseBackoffMs', dk, DEFAULT_DELIVERY.baseBackoffMs, 1, 3_600_000),
    maxBackoffMs: c.int(d, 'maxBackoffMs', dk, DEFAULT_DELIVERY.maxBackoffMs, 1, 3_600_000),
    batchSize: c.int(d, 'batchSize', dk, DEFAULT_DELIVERY.batchSize, 1, 100_000),
    queueCapacity: c.int(d, 'queueCapacity', dk, DEFAULT_DELIVERY.queueCapacity, 1, 10_000_000),
    requestTimeoutMs: c.int(d, 'requestTimeoutMs', dk, DEFAULT_DELIVERY.requestTimeoutMs, 1, 600_000),
  };
  if (delivery.maxBackoffMs < delivery.baseBackoffMs) c.add(`${dk}.maxBackoffMs`, 'must be >= baseBackoffMs');
  if (delivery.queueCapacity < delivery.batchSize) c.add(`${dk}.queueCapacity`, 'must be >= batchSize');

  if (o['validateOcsf'] !== undefined && typeof o['validateOcsf'] !== 'boolean') c.add(`${key}.validateOcsf`, 'must be true or false');
  const config: SiemForwarderConfig = {
    format,
    groupId: c.str(o, 'groupId', key, `arbiter-siem-${format}`),
    sourceTopics: c.strList(o, 'sourceTopics', key, DEFAULT_SOURCE_TOPICS),
    dlqTopic: c.str(o, 'dlqTopic', key, dlqTopicFor(format)),
    filter,
    delivery,
    peer: peerConfig(c, c.obj(o['peer'], `${key}.peer`), format, `${key}.peer`),
    validateOcsf: o['validateOcsf'] === true,
  };
  if (c.problems.length > 0) {
    throw new ArbiterError('ARB_SIEM_CONFIG_INVALID', `${c.problems.length} problem(s): ${c.problems.join('; ')}`, { key });
  }
  return config;
}
