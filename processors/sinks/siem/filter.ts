// Compiles the validated filter config once into a predicate (a few Set lookups per event).
// A filtered-out event is not a drop: the forwarder counts it under arbiter_siem_filtered_total{reason}.
import type { Effect } from '../../core/types.ts';
import type { SiemFilterConfig } from './config.ts';
import { SEVERITY_RANK, severityOf, tenantOf, type SiemInput } from './input.ts';

export type FilterReason = 'effect' | 'severity' | 'tenant' | 'alerts_off';

/** Returns undefined when the event passes, else the reason it is filtered out. */
export type SiemFilter = (input: SiemInput) => FilterReason | undefined;

export function compileFilter(config: SiemFilterConfig): SiemFilter {
  const effects = new Set<Effect>(config.effects);
  const tenants = config.tenants.length === 0 ? undefined : new Set(config.tenants);
  const minRank = SEVERITY_RANK[config.minSeverity];
  const alerts = config.alerts;
  return (input) => {
    if (input.kind === 'alert' && !alerts) return 'alerts_off';
    if (input.kind === 'decision' && !effects.has(input.record.effect)) return 'effect';
    if (tenants !== undefined && !tenants.has(tenantOf(input))) return 'tenant';
    if (SEVERITY_RANK[severityOf(input)] < minRank) return 'severity';
    return undefined;
  };
}
