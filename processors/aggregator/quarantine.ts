// The quarantine signal as the verdict processor sees it. The aggregator raises a quarantine as a TrajectoryAlert of
// kind "quarantine" on the alerts topic (key: the agent or tenant id) with facts { scope: agent|tenant, untilMs,
// cause }. Every verdict instance reads the whole alerts topic (a broadcast, like the bundles topic) into this table,
// because a quarantined agent's next session may land on any partition. Pure: time is passed in.
import type { TrajectoryAlert } from '../../schemas/generated/TrajectoryAlert.ts';
import { ALERT_KINDS } from './correlate.ts';

/** -1: not quarantined (the trajectory's SessionState.quarantineUntilMs convention). */
export const NOT_QUARANTINED = -1;

export class QuarantineTable {
  readonly #agents = new Map<string, number>();
  readonly #tenants = new Map<string, number>();

  /** Folds one alert in; returns true when it was a well-formed quarantine signal (other kinds are ignored). */
  apply(alert: TrajectoryAlert): boolean {
    if (alert.kind !== ALERT_KINDS.quarantine) return false;
    const scope = alert.facts['scope'];
    const until = Number(alert.facts['untilMs']);
    if (!Number.isSafeInteger(until) || until <= 0) return false;
    const [table, id] = scope === 'agent' ? [this.#agents, alert.agentId] : scope === 'tenant' ? [this.#tenants, alert.tenantId] : [undefined, ''];
    if (table === undefined || id === '') return false;
    // Signals may arrive out of order across partitions: the latest end wins.
    table.set(id, Math.max(table.get(id) ?? 0, until));
    return true;
  }

  /** End (epoch ms) of the quarantine covering this agent or its tenant at `nowMs`, or NOT_QUARANTINED. */
  untilFor(agentId: string, tenantId: string, nowMs: number): number {
    const until = Math.max(this.#agents.get(agentId) ?? 0, this.#tenants.get(tenantId) ?? 0);
    return until > nowMs ? until : NOT_QUARANTINED;
  }

  get size(): number {
    return this.#agents.size + this.#tenants.size;
  }
}
