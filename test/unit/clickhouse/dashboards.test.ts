import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DASHBOARDS, renderDashboards } from '../../../dashboards/index.ts';
import { GENERATED_DIR } from '../../../dashboards/generate.ts';
import { expandMacros } from '../../../dashboards/macros.ts';
import { ClickHouseQueryBuilder, CLICKHOUSE_PLUGIN_ID } from '../../../dashboards/clickhouse-query.ts';

describe('generated dashboards', () => {
  it('are current: regenerating in memory gives exactly the checked-in files (run node dashboards/generate.ts)', () => {
    const rendered = renderDashboards();
    expect(readdirSync(GENERATED_DIR).filter((f) => f.endsWith('.json')).sort()).toEqual([...rendered.keys()].sort());
    for (const [file, json] of rendered) expect(readFileSync(`${GENERATED_DIR}${file}`, 'utf8'), file).toBe(json);
  });

  it('carry every panel with a ClickHouse SQL target through the ${datasource} variable', () => {
    for (const spec of DASHBOARDS) {
      const json = JSON.parse(renderDashboards().get(`${spec.uid}.json`) ?? '{}');
      expect(json.panels).toHaveLength(spec.panels.length);
      for (const [i, panel] of json.panels.entries()) {
        expect(panel.targets[0]).toMatchObject({ editorType: 'sql', rawSql: spec.panels[i]?.sql, datasource: { type: CLICKHOUSE_PLUGIN_ID, uid: '${datasource}' } });
        expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      }
    }
  });
});

describe('ClickHouseQueryBuilder', () => {
  it('sets the plugin format code and query type together', () => {
    expect(new ClickHouseQueryBuilder('SELECT 1').build()).toMatchObject({ format: 1, queryType: 'table', refId: 'A' });
    expect(new ClickHouseQueryBuilder('SELECT 1').format('timeseries').refId('B').build()).toMatchObject({ format: 0, queryType: 'timeSeries', refId: 'B' });
  });
});

describe('expandMacros', () => {
  const ctx = { fromMs: Date.UTC(2026, 10, 20, 12), toMs: Date.UTC(2026, 10, 20, 13), intervalMs: 60_000 };
  it('expands time filters, intervals and bare times like the datasource backend', () => {
    expect(expandMacros('WHERE $__timeFilter(decided_at) GROUP BY $__timeInterval(decided_at) / $__interval_s', ctx)).toBe(
      'WHERE decided_at >= toDateTime(1795176000) AND decided_at <= toDateTime(1795179600) GROUP BY toStartOfInterval(toDateTime(decided_at), INTERVAL 60 second) / 60',
    );
    expect(expandMacros('$__fromTime_ms $__toTime $__dateFilter(d)', ctx)).toBe(
      "fromUnixTimestamp64Milli(1795176000000) toDateTime(1795179600) d >= toDate('2026-11-20') AND d <= toDate('2026-11-20')",
    );
  });
  it('rejects unknown macros and missing arguments', () => {
    expect(() => expandMacros('$__nope', ctx)).toThrow(/unknown macro/);
    expect(() => expandMacros('$__timeFilter', ctx)).toThrow(/needs one argument/);
  });
});
