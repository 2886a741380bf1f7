-- Per-minute rollups of the flow map's messaging edges, so the topology over hours reads a few
-- thousand pre-aggregated rows instead of every span (issue 3, DESIGN §5).
-- Publish edges: service → destination (spans with msg_operation create/send).
-- Deliver edges: destination → service per consumer group (msg_operation receive/process).
-- Counts are uniqExact over a hash of (trace_id, span_id), so a span resent by an exporter does not
-- count twice; the latency digests do take a resent span's (identical) duration once more.
CREATE TABLE IF NOT EXISTS ${db}.edge_rollup_1m${local} ${onCluster}
(
    minute DateTime CODEC(Delta(4), ZSTD(1)),
    edge_kind LowCardinality(String),
    service LowCardinality(String),
    system LowCardinality(String),
    destination LowCardinality(String),
    message_type LowCardinality(String),
    consumer_group LowCardinality(String),
    spans AggregateFunction(uniqExact, UInt64),
    errors AggregateFunction(uniqExactIf, UInt64, UInt8),
    duration_ms AggregateFunction(quantilesTDigest(0.5, 0.95), Float64)
)
ENGINE = ${engine:AggregatingMergeTree}
PARTITION BY toDate(minute)
ORDER BY (minute, edge_kind, service, system, destination, consumer_group, message_type)
TTL minute + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: edge_rollup_1m

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.edge_rollup_1m_mv${local} ${onCluster}
TO ${db}.edge_rollup_1m${local}
AS SELECT
    toStartOfMinute(timestamp) AS minute,
    if(msg_operation IN ('create', 'send'), 'publish', 'deliver') AS edge_kind,
    service_name AS service,
    msg_system AS system,
    msg_destination AS destination,
    msg_message_type AS message_type,
    if(edge_kind = 'deliver', msg_consumer_group, '') AS consumer_group,
    uniqExactState(cityHash64(trace_id, span_id)) AS spans,
    uniqExactIfState(cityHash64(trace_id, span_id), status_code = 'ERROR') AS errors,
    quantilesTDigestState(0.5, 0.95)(duration_ns / 1e6) AS duration_ms
FROM ${db}.spans${local}
WHERE msg_operation IN ('create', 'send', 'receive', 'process')
GROUP BY minute, edge_kind, service, system, destination, message_type, consumer_group;
