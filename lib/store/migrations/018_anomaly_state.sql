-- Anomalies as pairing-pass state (generation 6). Before, /api/anomalies, the request list's flags
-- and a timeline's marks grouped every hop of their window by message and ran a window function over
-- every first delivery of every partition: their cost grew with the traffic (≈ 0.45 s for 1 h at 10M
-- spans, 4× slower at 10× the traffic). Now the pass records the few rows the answers are made of.

-- Every delivery of a message delivered more than once to a group (the first, the extra ones with
-- ordinal >= 2, a receive prelude), with what the duplicates view shows of it: written by the pass
-- beside the hops from its own classification, which holds every delivery of the messages it
-- touches; the rows of a message that stops being delivered more than once get tombstones. The
-- duplicates view reads only these rows, never the hops.
CREATE TABLE IF NOT EXISTS ${db}.hop_repeats${local} ${onCluster}
(
    consumer_group LowCardinality(String),
    destination LowCardinality(String),
    message_key UInt64,
    d_key UInt64,
    d_start DateTime64(9) CODEC(ZSTD(1)),
    -- first | redelivery_after_failure | duplicate_after_success | prelude
    class LowCardinality(String),
    rewind UInt8,
    message String CODEC(ZSTD(1)),
    message_id String CODEC(ZSTD(1)),
    partition LowCardinality(String),
    offset Nullable(Int64),
    msg_key String CODEC(ZSTD(1)),
    d_trace_id String CODEC(ZSTD(1)),
    d_span_id String CODEC(ZSTD(1)),
    d_service LowCardinality(String),
    d_operation LowCardinality(String),
    d_status LowCardinality(String),
    d_redelivered UInt8,
    p_trace_id String CODEC(ZSTD(1)),
    p_span_id String CODEC(ZSTD(1)),
    p_service LowCardinality(String),
    d_env LowCardinality(String),
    d_namespace LowCardinality(String),
    version UInt64,
    deleted UInt8 DEFAULT 0
)
ENGINE = ${engine:ReplacingMergeTree}(version, deleted)
PARTITION BY toDate(d_start)
-- a hop's key: its deliver span's start never changes
ORDER BY (d_start, d_key, message_key)
TTL toDateTime(d_start) + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: hop_repeats by cityHash64(d_key)

-- The order of deliveries within a lane: (consumer group, destination, partition, basis, and the
-- message key when the basis is the publish order). `lane` is cityHash64 of those (lib/hops/ordering.ts
-- LANE_SQL); `ord` is the offset (basis 'o') or the publish start in ns (basis 'k'). One row per
-- identified hop whose basis is known, tombstones too (an MV on hops); `first` marks the message's
-- earliest delivery to the group. The pass reads a lane's few latest seconds of these.
CREATE TABLE IF NOT EXISTS ${db}.order_points${local} ${onCluster}
(
    lane UInt64,
    d_start DateTime64(9) CODEC(ZSTD(1)),
    d_key UInt64,
    message_key UInt64,
    ord Int64,
    first UInt8,
    version UInt64,
    deleted UInt8 DEFAULT 0
)
ENGINE = ${engine:ReplacingMergeTree}(version, deleted)
PARTITION BY toDate(d_start)
ORDER BY (lane, d_start, d_key, message_key)
TTL toDateTime(d_start) + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: order_points by lane

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.order_points_mv${local} ${onCluster}
TO ${db}.order_points${local}
AS SELECT cityHash64(consumer_group, destination, partition, basis, if(basis = 'k', msg_key, '')) AS lane,
          d_start, d_key, message_key,
          if(basis = 'o', assumeNotNull(offset), toInt64(toUnixTimestamp64Nano(assumeNotNull(p_start)))) AS ord,
          queue_sample AS first, version, deleted
FROM (SELECT *, multiIf(offset IS NOT NULL, 'o', msg_key != '' AND matched = 1 AND p_start IS NOT NULL, 'k', '') AS basis
        FROM ${db}.hops${local})
WHERE identified = 1 AND basis != '';

-- The same per lane and second (res 1) and minute (res 60): the highest ord delivered in the bucket,
-- as (ord, −start ns, d_key, message_key), so max() also names the earliest delivery of that message.
-- A delivery is compared with what its group received in the hour before it: whole minutes from
-- here, the latest seconds from the res-1 cells, its own second from order_points.
CREATE TABLE IF NOT EXISTS ${db}.order_cells${local} ${onCluster}
(
    lane UInt64,
    res UInt16,
    bucket DateTime,
    top SimpleAggregateFunction(max, Tuple(Int64, Int64, UInt64, UInt64))
)
ENGINE = ${engine:AggregatingMergeTree}
PARTITION BY toDate(bucket)
ORDER BY (lane, res, bucket)
TTL bucket + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: order_cells by lane

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.order_cells_mv${local} ${onCluster}
TO ${db}.order_cells${local}
AS SELECT lane, res, if(res = 1, toDateTime(d_start), toStartOfMinute(d_start)) AS bucket,
          max((ord, -toInt64(toUnixTimestamp64Nano(d_start)), d_key, message_key)) AS top
FROM ${db}.order_points${local}
ARRAY JOIN [1, 60] AS res
WHERE deleted = 0
GROUP BY lane, res, bucket;

-- Ordering inversions: a message's first delivery to a group after the group had received a message
-- produced later (a higher offset, or a later publish of the same key) in the hour before. Written
-- by the pass for every lane it touched, from the earliest delivery it touched on (a late delivery
-- can make later ones out of order, or stop them being so: tombstones). `a_*` is the message
-- delivered first; both messages carry what the ordering view shows of them, and trace_ids are
-- their publish and deliver traces (a timeline's lookup).
CREATE TABLE IF NOT EXISTS ${db}.order_inversions${local} ${onCluster}
(
    lane UInt64,
    consumer_group LowCardinality(String),
    destination LowCardinality(String),
    partition LowCardinality(String),
    basis LowCardinality(String),
    at DateTime64(9) CODEC(ZSTD(1)),
    d_key UInt64,
    message_key UInt64,
    a_at DateTime64(9) CODEC(ZSTD(1)),
    a_d_key UInt64,
    a_message_key UInt64,
    -- [message, offset or empty, key, publish start ns or empty, deliver start ns, deliver trace, span, service, publish trace, publish span]
    later Array(String) CODEC(ZSTD(1)),
    first Array(String) CODEC(ZSTD(1)),
    trace_ids Array(String) CODEC(ZSTD(1)),
    d_env LowCardinality(String),
    d_namespace LowCardinality(String),
    version UInt64,
    deleted UInt8 DEFAULT 0
)
ENGINE = ${engine:ReplacingMergeTree}(version, deleted)
PARTITION BY toDate(at)
ORDER BY (at, d_key, message_key)
TTL toDateTime(at) + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: order_inversions by cityHash64(d_key)
