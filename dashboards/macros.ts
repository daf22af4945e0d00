// Expands the grafana-clickhouse-datasource macros the way the plugin's backend does, so panel SQL can be run
// in tests (and by hand) against ClickHouse. Times are UTC epoch based: $__timeFilter(c) ->
// c >= toDateTime(<from s>) AND c <= toDateTime(<to s>); the _ms variants use fromUnixTimestamp64Milli;
// $__timeInterval(c) -> toStartOfInterval(toDateTime(c), INTERVAL <s> second); $__interval_s -> <s> (at least 1).
export interface MacroContext {
  readonly fromMs: number;
  readonly toMs: number;
  /** Grafana's computed interval for the panel. */
  readonly intervalMs: number;
}

const date = (ms: number): string => `toDate('${new Date(ms).toISOString().slice(0, 10)}')`;
const dateTime = (ms: number): string => `toDateTime(${Math.floor(ms / 1000)})`;
const dateTime64 = (ms: number): string => `fromUnixTimestamp64Milli(${Math.trunc(ms)})`;

export function expandMacros(sql: string, c: MacroContext): string {
  const seconds = Math.max(Math.floor(c.intervalMs / 1000), 1);
  const millis = Math.max(Math.floor(c.intervalMs), 1);
  const withArg: Readonly<Record<string, (arg: string) => string>> = {
    timeFilter: (col) => `${col} >= ${dateTime(c.fromMs)} AND ${col} <= ${dateTime(c.toMs)}`,
    timeFilter_ms: (col) => `${col} >= ${dateTime64(c.fromMs)} AND ${col} <= ${dateTime64(c.toMs)}`,
    dateFilter: (col) => `${col} >= ${date(c.fromMs)} AND ${col} <= ${date(c.toMs)}`,
    timeInterval: (col) => `toStartOfInterval(toDateTime(${col}), INTERVAL ${seconds} second)`,
    timeInterval_ms: (col) => `toStartOfInterval(toDateTime64(${col}, 3), INTERVAL ${millis} millisecond)`,
  };
  const bare: Readonly<Record<string, string>> = {
    fromTime: dateTime(c.fromMs),
    toTime: dateTime(c.toMs),
    fromTime_ms: dateTime64(c.fromMs),
    toTime_ms: dateTime64(c.toMs),
    interval_s: String(seconds),
  };
  return sql.replace(/\$__([A-Za-z_]+)(?:\(([^()]*)\))?/g, (all, name: string, arg?: string) => {
    const fn = withArg[name];
    if (fn) {
      if (arg === undefined) throw new Error(`macro $__${name} needs one argument in: ${all}`);
      return fn(arg.trim());
    }
    const value = bare[name];
    if (value === undefined) throw new Error(`unknown macro ${all}`);
    return value;
  });
}
