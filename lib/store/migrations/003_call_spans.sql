-- Narrow copy of the spans that make synchronous call edges (CLIENT and SERVER spans that are not
-- messaging spans), so the flow map joins client → child server on a few columns ordered by time
-- instead of the wide spans table.
CREATE TABLE IF NOT EXISTS ${db}.call_spans${local} ${onCluster}
(
    timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    span_kind LowCardinality(String) CODEC(ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    parent_span_id String CODEC(ZSTD(1)),
    service_name LowCardinality(String) CODEC(ZSTD(1)),
    host LowCardinality(String) CODEC(ZSTD(1)),
    duration_ns UInt64 CODEC(ZSTD(1)),
    is_error UInt8 CODEC(ZSTD(1)),
    peer_name LowCardinality(String) CODEC(ZSTD(1)),
    peer_kind LowCardinality(String) CODEC(ZSTD(1)),
    env LowCardinality(String) CODEC(ZSTD(1)),
    namespace LowCardinality(String) CODEC(ZSTD(1))
)
ENGINE = ${engine:MergeTree}
PARTITION BY toDate(timestamp)
ORDER BY (span_kind, toStartOfMinute(timestamp), trace_id)
TTL toDateTime(timestamp) + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: call_spans

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.call_spans_mv${local} ${onCluster}
TO ${db}.call_spans${local}
AS SELECT
    timestamp,
    span_kind,
    trace_id,
    span_id,
    parent_span_id,
    service_name,
    host,
    duration_ns,
    toUInt8(status_code = 'ERROR') AS is_error,
    peer_name,
    peer_kind,
    env,
    namespace
FROM ${db}.spans${local}
WHERE span_kind IN ('CLIENT', 'SERVER') AND msg_operation = '' AND msg_housekeeping = 0;
