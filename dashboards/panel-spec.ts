// Dashboards are declared as data (DashboardSpec), built into Grafana JSON with the foundation SDK, and the very
// same specs drive the tests that run every panel's SQL against ClickHouse with seeded data.
import { DashboardBuilder, DatasourceVariableBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { LegendDisplayMode, LegendPlacement, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { CLICKHOUSE_DATASOURCE, CLICKHOUSE_PLUGIN_ID, ClickHouseQueryBuilder } from './clickhouse-query.ts';

export type PanelKind = 'timeseries' | 'table' | 'stat';

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly kind: PanelKind;
  /** SQL with datasource macros ($__timeFilter, $__timeInterval, $__interval_s, …). */
  readonly sql: string;
  /** Result columns in order; the tests require exactly these. */
  readonly columns: readonly string[];
  readonly unit?: string;
  /** Grid width (of 24). */
  readonly width?: number;
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly panels: readonly PanelSpec[];
}

const HEIGHT = 8;

function panelBuilder(p: PanelSpec): TimeseriesPanel | TablePanel | StatPanel {
  const query = new ClickHouseQueryBuilder(p.sql).format(p.kind === 'timeseries' ? 'timeseries' : 'table');
  if (p.kind === 'timeseries') {
    const legend = new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom);
    const ts = new TimeseriesPanel().legend(legend);
    ts.title(p.title).description(p.description).datasource(CLICKHOUSE_DATASOURCE).withTarget(query);
    if (p.unit) ts.unit(p.unit);
    return ts;
  }
  const b = p.kind === 'table' ? new TablePanel() : new StatPanel();
  b.title(p.title).description(p.description).datasource(CLICKHOUSE_DATASOURCE).withTarget(query);
  if (p.unit) b.unit(p.unit);
  return b;
}

/** Lays panels out left to right, wrapping at 24 columns. */
export function buildDashboard(spec: DashboardSpec): Dashboard {
  const d = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['arbiter', 'generated'])
    .editable()
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('utc')
    .withVariable(new DatasourceVariableBuilder('datasource').label('ClickHouse').type(CLICKHOUSE_PLUGIN_ID));
  let x = 0;
  let y = 0;
  for (const p of spec.panels) {
    const w = p.width ?? 12;
    if (x + w > 24) {
      x = 0;
      y += HEIGHT;
    }
    d.withPanel(panelBuilder(p).gridPos({ x, y, w, h: HEIGHT }));
    x += w;
  }
  return d.build();
}
