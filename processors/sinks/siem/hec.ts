// Splunk HTTP Event Collector envelope: {time, host, source, sourcetype, index?, event, fields}.
// The event body is the OCSF event (sourcetype arbiter:ocsf by default), so Splunk's OCSF tooling reads it as is.
// `fields` are HEC indexed fields: flat string values, here the OTel GenAI tool attributes plus the few keys a
// SOC filters on (tenant, effect, severity), so searches on them need no JSON extraction.
import type { HecPeerConfig } from './config.ts';
import { genAiToolFields, severityOf, tenantOf, timeMsOf, type SiemInput } from './input.ts';
import { toOcsf } from './ocsf.ts';

export function toHecEnvelope(input: SiemInput, peer: HecPeerConfig): Record<string, unknown> {
  const fields: Record<string, string> = {
    ...genAiToolFields(input),
    'arbiter.tenant_id': tenantOf(input),
    'arbiter.severity': severityOf(input),
    'arbiter.kind': input.kind,
  };
  if (input.kind === 'decision') fields['arbiter.effect'] = input.record.effect;
  return {
    time: timeMsOf(input) / 1000,
    host: peer.host,
    source: peer.source,
    sourcetype: peer.sourcetype,
    ...(peer.index !== undefined ? { index: peer.index } : {}),
    event: toOcsf(input),
    fields,
  };
}
