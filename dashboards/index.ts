// All Arbiter dashboards and their generated JSON (dashboards/generated/<uid>.json, checked in).
// Regenerate: node dashboards/generate.ts
import { AGENTS_SESSIONS } from './agents-sessions.ts';
import { APPROVALS } from './approvals.ts';
import { OVERVIEW } from './overview.ts';
import { buildDashboard, type DashboardSpec } from './panel-spec.ts';
import { PIPELINE_HEALTH } from './pipeline-health.ts';
import { RULES } from './rules.ts';

export const DASHBOARDS: readonly DashboardSpec[] = [OVERVIEW, AGENTS_SESSIONS, RULES, APPROVALS, PIPELINE_HEALTH];

/** file name -> pretty JSON (trailing newline), deterministic. */
export function renderDashboards(): Map<string, string> {
  return new Map(DASHBOARDS.map((d) => [`${d.uid}.json`, `${JSON.stringify(buildDashboard(d), null, 2)}\n`]));
}
