-- Business transactions (issue 13): one row per (configured business key, span) — a span carrying
-- `order.id` in its attributes or its resource's, or a conversation id. Written by the span writer
-- beside the spans (lib/store/writer.ts, from EVENTSCOPE_BUSINESS_KEYS), not by an MV: the key list
-- is configuration, and a resource attribute is on the span's resource row, not on the span row.
-- Ordered by (key, value, time) so a transaction's spans are one key lookup.
CREATE TABLE IF NOT EXISTS ${db}.business_keys${local} ${onCluster}
(
    key LowCardinality(String) CODEC(ZSTD(1)),
    value String CODEC(ZSTD(1)),
    timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    service_name LowCardinality(String) CODEC(ZSTD(1)),
    -- 'span' or 'resource': where the key was found
    source LowCardinality(String) CODEC(ZSTD(1))
)
ENGINE = ${engine:MergeTree}
PARTITION BY toDate(timestamp)
ORDER BY (key, value, timestamp)
TTL toDateTime(timestamp) + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: business_keys
