-- hop_minutes rolled up per hour (generation 5): the flow map over a day merged ≈ 300k minute rows
-- and their digests per query at 10M spans (≈ 0.2 s); whole hours of its range now come from here,
-- the partial hours at its ends from hop_minutes (lib/analysis/hop-state.ts). The pairing pass
-- rolls up every hour whose minutes it recomputed (lib/hops/minutes.ts), versioned like the minutes.
-- Columns as in hop_minutes (007, 011), `hour` for `minute`.
CREATE TABLE IF NOT EXISTS ${db}.hop_hours${local} ${onCluster}
(
    hour DateTime,
    kind LowCardinality(String),
    destination LowCardinality(String),
    consumer_group LowCardinality(String),
    partition LowCardinality(String),
    message_type LowCardinality(String),
    p_service LowCardinality(String),
    d_service LowCardinality(String),
    system LowCardinality(String),
    spans UInt64,
    messages UInt64,
    first_deliveries UInt64,
    redeliveries UInt64,
    duplicates UInt64,
    errors UInt64,
    retries UInt64,
    rewinds UInt64,
    rewind_min_offset Nullable(Int64),
    rewind_max_offset Nullable(Int64),
    last_rewind_ms Int64,
    queue_samples UInt64,
    queue_ms AggregateFunction(quantilesTDigest(0.5, 0.95), Float64),
    queue_exact AggregateFunction(quantilesExactInclusive(0.5, 0.95), Float64),
    queue_max_ms Float64,
    duration_ms AggregateFunction(quantilesTDigest(0.5, 0.95), Float64),
    max_offset Nullable(Int64),
    min_offset Nullable(Int64),
    first_ms Int64,
    last_ms Int64,
    env LowCardinality(String),
    namespace LowCardinality(String),
    version UInt64,
    deleted UInt8 DEFAULT 0
)
ENGINE = ${engine:ReplacingMergeTree}(version, deleted)
PARTITION BY toDate(hour)
ORDER BY (hour, kind, destination, consumer_group, partition, message_type, p_service, d_service, system, env, namespace)
TTL hour + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: hop_hours by cityHash64(hour, kind, destination, consumer_group)
