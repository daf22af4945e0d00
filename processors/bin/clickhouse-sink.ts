#!/usr/bin/env node
// Entry point of the ClickHouse sink (decisions, alerts, approval events). Settings and behaviour:
// processors/sinks/clickhouse/main.ts, which starts on import.
import '../sinks/clickhouse/main.ts';
