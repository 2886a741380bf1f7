// Child process of the benchmark: the peer. The same spans as the ingest section, inserted straight
// into the OpenTelemetry Collector ClickHouse exporter's own `otel_traces` schema, in a fresh chDB
// folder, as JSONEachRow in batches like the collector's, one insert at a time; only the inserts are
// timed (rows are converted to that schema's JSON before each timed call).
// Runs once with its options as argv[2] (JSON) and sends the result as its only message.
//
// The DDL reproduces the exporter's default schema (facts only: column names, types, codecs,
// skip indexes, engine keys, TTL, the trace-id lookup table and its view), from
// open-telemetry/opentelemetry-collector-contrib, exporter/clickhouseexporter:
//   internal/sql_templates/traces_table.sql, traces_id_ts_lookup_table.sql, traces_id_ts_lookup_mv.sql
//   (same columns as example/default_ddl/traces.sql).
// Table engine MergeTree (the exporter's default `table_engine`); TTL 180 days as in the example DDL
// (the exporter adds a TTL clause only when `ttl` is configured; a TTL costs nothing per row here:
// ttl_only_drop_parts = 1). `Duration` is UInt64 in these templates (Int64 in some newer copies: the
// same 8 bytes).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { SpanRow } from '../lib/store/rows.js';
import { batches, cpuNow, peakRss, poolRows, resourceOf, type PoolOptions } from './rows.js';
import { runAsChild } from './child.js';

export interface OtelOptions {
  pool: PoolOptions;
  spans: number;
  batchSpans: number;
}

export interface OtelResult {
  table: string;
  spans: number;
  batches: number;
  /** wall time inside the timed insert calls only */
  wallS: number;
  spansPerSecond: number;
  cpuSeconds: number;
  cpuSecondsPerMillion: number;
  /** average JSONEachRow bytes per span sent */
  jsonBytesPerSpan: number;
  /** JS conversion SpanRow → otel_traces JSON (outside the timer), CPU-s per million spans */
  convertCpuSecondsPerMillion: number;
  storedSpans: number;
  traceIdTsRows: number;
  parts: number;
  peakRssBytes: number;
  version: string;
}

const DB = 'otel';

export const OTEL_TRACES_DDL = `CREATE TABLE IF NOT EXISTS ${DB}.otel_traces (
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
TTL toDateTime(Timestamp) + toIntervalDay(180)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;

export const OTEL_TRACE_ID_TS_DDL = `CREATE TABLE IF NOT EXISTS ${DB}.otel_traces_trace_id_ts (
    TraceId String CODEC(ZSTD(1)),
    Start DateTime CODEC(Delta, ZSTD(1)),
    End DateTime CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toDate(Start)
ORDER BY (TraceId, Start)
TTL toDateTime(Start) + toIntervalDay(180)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;

export const OTEL_TRACE_ID_TS_MV_DDL = `CREATE MATERIALIZED VIEW IF NOT EXISTS ${DB}.otel_traces_trace_id_ts_mv
TO ${DB}.otel_traces_trace_id_ts
AS SELECT
    TraceId,
    min(Timestamp) AS Start,
    max(Timestamp) AS End
FROM ${DB}.otel_traces
WHERE TraceId != ''
GROUP BY TraceId`;

// The exporter writes the pdata enum names (traceutil.SpanKindStr / StatusCodeStr).
const KIND: Record<SpanRow['span_kind'], string> = {
  UNSPECIFIED: 'Unspecified',
  INTERNAL: 'Internal',
  SERVER: 'Server',
  CLIENT: 'Client',
  PRODUCER: 'Producer',
  CONSUMER: 'Consumer',
};
const STATUS: Record<SpanRow['status_code'], string> = { UNSET: 'Unset', OK: 'Ok', ERROR: 'Error' };

/** Nanoseconds since the epoch (decimal) → "<seconds>.<9 digits>" (date_time_input_format 'basic'). */
function dt64(ns: string): string {
  const p = ns.length > 9 ? ns : ns.padStart(10, '0');
  return `${p.slice(0, -9)}.${p.slice(-9)}`;
}

/**
 * One decoded row as the exporter would store it: attribute values as strings (the exporter's
 * AsString(), which is what our maps hold), no type map, no messaging columns, no host.
 */
export function toOtelRow(r: SpanRow): Record<string, unknown> {
  return {
    Timestamp: dt64(r.timestamp),
    TraceId: r.trace_id,
    SpanId: r.span_id,
    ParentSpanId: r.parent_span_id,
    TraceState: r.trace_state,
    SpanName: r.span_name,
    SpanKind: KIND[r.span_kind] ?? 'Unspecified',
    ServiceName: r.service_name,
    ResourceAttributes: resourceOf(r).resource_attributes,
    ScopeName: r.scope_name,
    ScopeVersion: r.scope_version,
    SpanAttributes: r.span_attributes,
    Duration: r.duration_ns,
    StatusCode: STATUS[r.status_code] ?? 'Unset',
    StatusMessage: r.status_message,
    'Events.Timestamp': r['events.timestamp'].map(dt64),
    'Events.Name': r['events.name'],
    'Events.Attributes': r['events.attributes'],
    'Links.TraceId': r['links.trace_id'],
    'Links.SpanId': r['links.span_id'],
    'Links.TraceState': r['links.trace_state'],
    'Links.Attributes': r['links.attributes'],
  };
}

function jsonEachRow(rows: SpanRow[]): Buffer {
  let text = '';
  for (const r of rows) text += JSON.stringify(toOtelRow(r)) + '\n';
  return Buffer.from(text);
}

async function main() {
  const opts = JSON.parse(process.argv[2]!) as OtelOptions;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-bench-otel-'));
  const { createChdbConnection } = createRequire(import.meta.url)('chdb/connection') as typeof import('chdb/connection');
  const conn = createChdbConnection({ path: dir });
  const chdb = conn.chdb;
  const text = async (sql: string) => (await chdb.queryAsync(sql, { format: 'TabSeparated' })).text().trim();
  try {
    await text(`CREATE DATABASE IF NOT EXISTS ${DB}`);
    await text(OTEL_TRACES_DDL);
    await text(OTEL_TRACE_ID_TS_DDL);
    await text(OTEL_TRACE_ID_TS_MV_DDL);
    const rows = poolRows(opts.pool);
    // the settings Eventscope's own insert uses (times as "<s>.<ns>", every field known)
    const settings = { async_insert: 0, input_format_skip_unknown_fields: 0, date_time_input_format: 'basic' };
    let wall = 0;
    let cpu = 0;
    let convert = 0;
    let bytes = 0;
    let spans = 0;
    let count = 0;
    for (const batch of batches(rows, opts.spans, opts.batchSpans, 1)) {
      const c0 = cpuNow();
      const body = jsonEachRow(batch);
      convert += cpuNow() - c0;
      const t0 = performance.now();
      const c1 = cpuNow();
      await chdb.rawInsert({ table: `${DB}.otel_traces`, values: body, format: 'JSONEachRow', settings });
      cpu += cpuNow() - c1;
      wall += performance.now() - t0;
      bytes += body.length;
      spans += batch.length;
      count++;
    }
    const result: OtelResult = {
      table: 'otel_traces (+ otel_traces_trace_id_ts_mv)',
      spans,
      batches: count,
      wallS: wall / 1000,
      spansPerSecond: spans / (wall / 1000),
      cpuSeconds: cpu,
      cpuSecondsPerMillion: cpu / (spans / 1e6),
      jsonBytesPerSpan: bytes / spans,
      convertCpuSecondsPerMillion: convert / (spans / 1e6),
      storedSpans: Number(await text(`SELECT count() FROM ${DB}.otel_traces`)),
      traceIdTsRows: Number(await text(`SELECT count() FROM ${DB}.otel_traces_trace_id_ts`)),
      parts: Number(await text(`SELECT count() FROM system.parts WHERE database = '${DB}' AND table = 'otel_traces' AND active`)),
      peakRssBytes: peakRss(),
      version: await text('SELECT version()'),
    };
    await new Promise<void>((resolve) => process.send!(result, undefined, {}, () => resolve()));
  } finally {
    await conn.close().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runAsChild(main);
