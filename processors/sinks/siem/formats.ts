// Chooses, once at startup, the function that turns a SiemInput into the payload its peer expects.
// Throws ARB_SIEM_FORMAT_INVALID (carried to the DLQ) when the OCSF check is on and an event fails it.
import { ArbiterError } from '../../core/errors.ts';
import { toCef } from './cef.ts';
import type { SiemForwarderConfig } from './config.ts';
import { toEcs } from './ecs.ts';
import { toHecEnvelope } from './hec.ts';
import { eventIdOf, severityOf, timeMsOf, type SiemInput } from './input.ts';
import { toOcsf } from './ocsf.ts';
import { validateOcsf } from './ocsf-schema.ts';
import type { OutItem } from './sink.ts';
import { syslog5424, syslogHeaderFor } from './syslog.ts';

export type Formatter = (input: SiemInput) => OutItem;

function checkedOcsf(input: SiemInput, check: boolean): Record<string, unknown> {
  const ev = toOcsf(input);
  if (check) {
    const problems = validateOcsf(ev);
    if (problems.length > 0) throw new ArbiterError('ARB_SIEM_FORMAT_INVALID', `OCSF event ${eventIdOf(input)}: ${problems.join('; ')}`);
  }
  return ev;
}

export function formatterFor(config: SiemForwarderConfig): Formatter {
  const peer = config.peer;
  switch (config.format) {
    case 'ocsf':
      return (input) => ({ id: eventIdOf(input), payload: JSON.stringify(checkedOcsf(input, config.validateOcsf)) });
    case 'cef': {
      if (peer.kind !== 'syslog') throw new ArbiterError('ARB_SIEM_CONFIG_INVALID', 'cef needs a syslog peer', { key: 'siem.peer.kind' });
      return (input) => ({
        id: eventIdOf(input),
        payload: syslog5424(syslogHeaderFor(peer, severityOf(input), timeMsOf(input), input.kind), toCef(input)),
      });
    }
    case 'hec': {
      if (peer.kind !== 'hec') throw new ArbiterError('ARB_SIEM_CONFIG_INVALID', 'hec needs a hec peer', { key: 'siem.peer.kind' });
      return (input) => {
        if (config.validateOcsf) checkedOcsf(input, true);
        return { id: eventIdOf(input), payload: JSON.stringify(toHecEnvelope(input, peer)) };
      };
    }
    case 'ecs':
      return (input) => ({ id: eventIdOf(input), payload: JSON.stringify(toEcs(input)) });
  }
}
