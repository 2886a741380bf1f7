-- Lag cells whose messages waited long: published at least 10 minutes (LATE_CELL_S in
-- lib/analysis/lag-state.ts) before their bucket of first delivery, or not delivered yet.
-- /api/lag counts a message delivered in its window even when it was published up to a day before
-- the look-back; finding those few cells in `lag_cells` (ordered by publish bucket) read a whole
-- day of cells with FINAL — three times per query, ≈ 0.4 s of the flow map's 0.45 s at 10M spans.
-- Ordered by resolve bucket, they are one range here; the rest of a lag query reads only the cells
-- published in its look-back and the 10 minutes before it. Fed by an MV from every row written to
-- `lag_cells` (tombstones too; a cell's key holds both buckets, so its lateness never changes).
CREATE TABLE IF NOT EXISTS ${db}.lag_cells_late${local} ${onCluster}
(
    resolution UInt16,
    destination LowCardinality(String),
    consumer_group LowCardinality(String),
    partition LowCardinality(String),
    has_pub UInt8,
    pub_bucket DateTime,
    resolve_bucket DateTime,
    messages UInt64,
    min_pub_ms Int64,
    max_pub_ms Int64,
    max_pub_offset Nullable(Int64),
    delivered UInt64,
    first_del_ms Int64,
    last_del_ms Int64,
    max_del_offset Nullable(Int64),
    queue_samples UInt64,
    queue_ms AggregateFunction(quantilesTDigest(0.5, 0.95), Float64),
    queue_exact AggregateFunction(quantilesExactInclusive(0.5, 0.95), Float64),
    queue_max_ms Float64,
    version UInt64,
    deleted UInt8 DEFAULT 0,
    env LowCardinality(String),
    namespace LowCardinality(String)
)
ENGINE = ${engine:ReplacingMergeTree}(version, deleted)
PARTITION BY toDate(pub_bucket)
ORDER BY (resolution, resolve_bucket, pub_bucket, destination, consumer_group, partition, has_pub, env, namespace)
TTL pub_bucket + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: lag_cells_late by cityHash64(destination, consumer_group)

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.lag_cells_late_mv${local} ${onCluster}
TO ${db}.lag_cells_late${local}
AS SELECT resolution, destination, consumer_group, partition, has_pub, pub_bucket, resolve_bucket, messages,
          min_pub_ms, max_pub_ms, max_pub_offset, delivered, first_del_ms, last_del_ms, max_del_offset,
          queue_samples, queue_ms, queue_exact, queue_max_ms, version, deleted, env, namespace
FROM ${db}.lag_cells${local}
WHERE has_pub = 1 AND resolve_bucket >= pub_bucket + 600;

