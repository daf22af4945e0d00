// Entry point: build one SIEM forwarder from a validated config. Each format runs in its own consumer group
// (config.groupId, default arbiter-siem-<format>) with its own DLQ topic (arbiter.dlq.siem-<format>).
import type { MetricsRegistry } from '../../core/metrics.ts';
import type { ConsumerOptions, InRecord } from '../../runtime/transport/transport.ts';
import type { SiemForwarderConfig } from './config.ts';
import type { DlqWriter } from './dlq.ts';
import { ecsBulkSink } from './ecs-sink.ts';
import { SiemForwarder } from './forwarder.ts';
import { hecSink } from './hec-sink.ts';
import type { SiemInput } from './input.ts';
import { ocsfHttpSink } from './ocsf-sink.ts';
import type { SiemSink } from './sink.ts';
import { syslogSink } from './syslog-sink.ts';

export function sinkFor(config: SiemForwarderConfig): SiemSink {
  const timeout = config.delivery.requestTimeoutMs;
  const peer = config.peer;
  switch (peer.kind) {
    case 'syslog': return syslogSink(peer, timeout);
    case 'hec': return hecSink(peer, timeout);
    case 'ecs': return ecsBulkSink(peer, timeout);
    case 'http': return ocsfHttpSink(peer, timeout);
  }
}

export interface SiemForwarderDeps {
  readonly decode: (record: InRecord) => SiemInput | Promise<SiemInput>;
  readonly dlq: DlqWriter;
  readonly metrics: MetricsRegistry;
  /** Override the peer (tests, benchmarks); default is built from config.peer. */
  readonly sink?: SiemSink;
}

export function createSiemForwarder(config: SiemForwarderConfig, deps: SiemForwarderDeps): SiemForwarder {
  return new SiemForwarder({ config, decode: deps.decode, dlq: deps.dlq, metrics: deps.metrics, sink: deps.sink ?? sinkFor(config) });
}

/**
 * The forwarder's consumer: its own group per format, reading the source topics. A new group starts from the
 * beginning so the first deployment forwards the retained history instead of silently skipping it.
 */
export function consumerOptionsFor(config: SiemForwarderConfig, extra: Partial<ConsumerOptions> = {}): ConsumerOptions {
  return { groupId: config.groupId, topics: config.sourceTopics, fromBeginning: true, ...extra };
}

export { validateSiemConfig, dlqTopicFor, type SiemForwarderConfig, type SiemFormat } from './config.ts';
export { kafkaDlqWriter, type DeadLetter, type DlqWriter } from './dlq.ts';
export { SiemForwarder } from './forwarder.ts';
export type { SiemInput } from './input.ts';
export type { TrajectoryAlert } from './alert.ts';
export { siemDecoder, deadLetterEncoder, siemDlqTopicSpec } from './wire.ts';
