// A small typed query builder for the grafana-clickhouse-datasource plugin (the foundation SDK has none).
// Query model (plugin v4, SQL editor): { refId, datasource, editorType: 'sql', queryType, rawSql, format }.
// format is the plugin's numeric enum (0 time series, 1 table); queryType is the editor's display type.
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

export const CLICKHOUSE_PLUGIN_ID = 'grafana-clickhouse-datasource';

/** Panels reference the data source through the dashboard's ${datasource} variable. */
export const CLICKHOUSE_DATASOURCE: DataSourceRef = { type: CLICKHOUSE_PLUGIN_ID, uid: '${datasource}' };

export type ClickHouseResultFormat = 'timeseries' | 'table';
const FORMAT_CODE: Readonly<Record<ClickHouseResultFormat, number>> = { timeseries: 0, table: 1 };
const QUERY_TYPE: Readonly<Record<ClickHouseResultFormat, string>> = { timeseries: 'timeSeries', table: 'table' };

export interface ClickHouseQuery extends Dataquery {
  refId: string;
  hide?: boolean;
  datasource: DataSourceRef;
  editorType: 'sql';
  queryType: string;
  format: number;
  rawSql: string;
}

export class ClickHouseQueryBuilder implements Builder<Dataquery> {
  readonly #q: ClickHouseQuery;

  constructor(rawSql: string) {
    this.#q = {
      refId: 'A',
      datasource: CLICKHOUSE_DATASOURCE,
      editorType: 'sql',
      queryType: QUERY_TYPE.table,
      format: FORMAT_CODE.table,
      rawSql,
      _implementsDataqueryVariant() {},
    };
  }

  refId(refId: string): this {
    this.#q.refId = refId;
    return this;
  }

  /** timeseries: the first DateTime column is time, string columns split series (long format). */
  format(format: ClickHouseResultFormat): this {
    this.#q.format = FORMAT_CODE[format];
    this.#q.queryType = QUERY_TYPE[format];
    return this;
  }

  build(): ClickHouseQuery {
    return this.#q;
  }
}
