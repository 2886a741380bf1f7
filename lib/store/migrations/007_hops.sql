-- The hop model (DESIGN §5, issue 8): each deliver span is paired with its publish span once, by the
-- pairing pass (lib/hops/pairing.ts), shortly after both are committed; views read `hops` and
-- `hop_minutes` instead of pairing raw spans per query.

-- When a messaging span was committed: the pairing pass reads what arrived after its watermark.
-- Filled from the DEFAULT on every insert (the MV of 005 does not name the column).
ALTER TABLE ${db}.messaging_spans${local} ${onCluster}
    ADD COLUMN IF NOT EXISTS ingested_at DateTime64(3) DEFAULT now64(3) CODEC(Delta(8), ZSTD(1));

ALTER TABLE ${db}.messaging_spans${local} ${onCluster}
    ADD INDEX IF NOT EXISTS idx_ingested_at ingested_at TYPE minmax GRANULARITY 1;

-- Publish spans by span key: the pass finds a delivery's producer by key, whatever its age, without
-- scanning a time window of publishes.
CREATE TABLE IF NOT EXISTS ${db}.publish_keys${local} ${onCluster}
(
    span_key UInt64,
    timestamp DateTime64(9) CODEC(ZSTD(1)),
    end_time DateTime64(9) CODEC(ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    system LowCardinality(String) CODEC(ZSTD(1)),
    destination LowCardinality(String) CODEC(ZSTD(1)),
    partition LowCardinality(String) CODEC(ZSTD(1)),
    offset Nullable(Int64) CODEC(ZSTD(1)),
    msg_key String CODEC(ZSTD(1)),
    message_id String CODEC(ZSTD(1)),
    message_type LowCardinality(String) CODEC(ZSTD(1)),
    service_name LowCardinality(String) CODEC(ZSTD(1)),
    host LowCardinality(String) CODEC(ZSTD(1)),
    env LowCardinality(String) CODEC(ZSTD(1)),
    namespace LowCardinality(String) CODEC(ZSTD(1))
)
ENGINE = ${engine:MergeTree}
PARTITION BY toDate(timestamp)
ORDER BY span_key
TTL toDateTime(timestamp) + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: publish_keys

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.publish_keys_mv${local} ${onCluster}
TO ${db}.publish_keys${local}
AS SELECT span_key, timestamp, end_time, trace_id, span_id, system, destination, partition, offset, msg_key,
          message_id, message_type, service_name, host, env, namespace
FROM ${db}.messaging_spans${local}
WHERE operation IN ('create', 'send');

-- One row per (deliver span, message): the hop. Written by the pairing pass, keyed by the deliver
-- span (d_key) and the message (message_key): a re-run or a resent span writes the same key again,
-- and the highest version wins; a row whose message identity changed (its producer arrived late) is
-- replaced by a tombstone (deleted = 1). Read with FINAL.
CREATE TABLE IF NOT EXISTS ${db}.hops${local} ${onCluster}
(
    consumer_group LowCardinality(String),
    destination LowCardinality(String),
    message_key UInt64,
    d_key UInt64,
    -- 'span:<trace>:<span>' | 'id:<destination>:<id>' | 'offset:<destination>:<partition>:<offset>' | 'delivery:<trace>:<span>'
    message String CODEC(ZSTD(1)),
    identified UInt8,
    matched UInt8,
    system LowCardinality(String),
    partition LowCardinality(String),
    offset Nullable(Int64),
    msg_key String CODEC(ZSTD(1)),
    message_id String CODEC(ZSTD(1)),
    message_type LowCardinality(String),
    d_trace_id String CODEC(ZSTD(1)),
    d_span_id String CODEC(ZSTD(1)),
    d_start DateTime64(9) CODEC(ZSTD(1)),
    d_end DateTime64(9) CODEC(ZSTD(1)),
    d_service LowCardinality(String),
    d_operation LowCardinality(String),
    d_status LowCardinality(String),
    d_redelivered UInt8,
    d_link_count UInt16,
    p_trace_id String CODEC(ZSTD(1)),
    p_span_id String CODEC(ZSTD(1)),
    p_start Nullable(DateTime64(9)) CODEC(ZSTD(1)),
    p_end Nullable(DateTime64(9)) CODEC(ZSTD(1)),
    p_service LowCardinality(String),
    d_host LowCardinality(String),
    p_host LowCardinality(String),
    -- deliver start − publish end, ns, with both hosts' clocks corrected (host_clocks); NULL without a producer
    queue_ns Nullable(Int64),
    -- the same from the raw timestamps (negative when a clock is off), and the correction applied
    raw_queue_ns Nullable(Int64),
    skew_ns Int64 DEFAULT 0,
    -- 1-based position among the deliveries of this message to this group ('prelude' rows: 0)
    ordinal UInt32,
    -- first | redelivery_after_failure | duplicate_after_success | prelude (a receive span before the process span)
    class LowCardinality(String),
    -- a repeated delivery of an offset the group had already moved past (it delivered a higher offset
    -- of the partition in between): the group's position was reset, a rewind (DESIGN §6)
    rewind UInt8 DEFAULT 0,
    -- 1 on the message's earliest delivery to the group: the one queue-time sample of the message
    queue_sample UInt8 DEFAULT 0,
    version UInt64,
    deleted UInt8 DEFAULT 0,
    INDEX idx_d_trace d_trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_p_trace p_trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_d_key d_key TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_message_key message_key TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = ${engine:ReplacingMergeTree}(version, deleted)
PARTITION BY toDate(d_start)
-- the hour first: a view over a time range reads only its hours; the key stays the deliver span's
-- (its start never changes), so a rewritten hop replaces its earlier version
ORDER BY (toStartOfHour(d_start), consumer_group, destination, message_key, d_key)
TTL toDateTime(d_start) + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: hops by cityHash64(consumer_group, destination, message_key)

-- Per-minute state of the hops (kind 'deliver', by deliver minute) and of the publish spans (kind
-- 'publish', by publish minute; consumer_group and d_service empty). The pass recomputes a whole
-- minute from hops / messaging_spans whenever something in it changed, with a new version; keys of
-- the minute that vanished get a tombstone. Views over a time range read this (FINAL), so their
-- cost depends on minutes × groups, not on traffic.
CREATE TABLE IF NOT EXISTS ${db}.hop_minutes${local} ${onCluster}
(
    minute DateTime,
    kind LowCardinality(String),
    destination LowCardinality(String),
    consumer_group LowCardinality(String),
    partition LowCardinality(String),
    message_type LowCardinality(String),
    p_service LowCardinality(String),
    d_service LowCardinality(String),
    system LowCardinality(String),
    -- publish: publish spans; deliver: deliver spans (a batch span counts once)
    spans UInt64,
    -- publish: messages published (a batch send of created messages adds none); deliver: deliveries of messages
    messages UInt64,
    first_deliveries UInt64,
    redeliveries UInt64,
    duplicates UInt64,
    errors UInt64,
    -- deliveries with an explicit redelivery / retry marker
    retries UInt64,
    -- repeated deliveries that come from a rewind (hops.rewind), their offsets and the latest
    rewinds UInt64 DEFAULT 0,
    rewind_min_offset Nullable(Int64),
    rewind_max_offset Nullable(Int64),
    last_rewind_ms Int64 DEFAULT 0,
    -- queue time of first deliveries with a known producer, ms, clamped at 0
    queue_samples UInt64,
    queue_ms AggregateFunction(quantilesTDigest(0.5, 0.95), Float64),
    -- the same samples kept exactly while there are few (≤ 256 in the row): readers use the exact
    -- percentiles (linear interpolation) when a range holds ≤ 256 samples, the digests above that
    queue_exact AggregateFunction(quantilesExactInclusive(0.5, 0.95), Float64),
    queue_max_ms Float64,
    -- span durations (publish or deliver spans), ms
    duration_ms AggregateFunction(quantilesTDigest(0.5, 0.95), Float64),
    max_offset Nullable(Int64),
    min_offset Nullable(Int64),
    first_ms Int64,
    last_ms Int64,
    version UInt64,
    deleted UInt8 DEFAULT 0
)
ENGINE = ${engine:ReplacingMergeTree}(version, deleted)
PARTITION BY toDate(minute)
ORDER BY (minute, kind, destination, consumer_group, partition, message_type, p_service, d_service, system)
TTL minute + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: hop_minutes by cityHash64(minute, kind, destination, consumer_group)

-- Lag cells: published messages per (publish bucket, destination, consumer group of the
-- destination, partition, first-delivery bucket), at 1 s and 60 s resolution, so backlog, the
-- oldest waiting message and deliveries per interval follow from a few rows per bucket (the lag
-- query aggregates them onto its step grid). has_pub = 0 rows are first deliveries of messages whose
-- publish span is not stored (pub_bucket 1970), keyed by their delivery bucket. resolve_bucket
-- 2106-01-01 means "not delivered yet". Recomputed by the pass per touched bucket, versioned.
CREATE TABLE IF NOT EXISTS ${db}.lag_cells${local} ${onCluster}
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
    INDEX idx_resolve resolve_bucket TYPE minmax GRANULARITY 1
)
ENGINE = ${engine:ReplacingMergeTree}(version, deleted)
PARTITION BY toDate(if(has_pub = 1, pub_bucket, resolve_bucket))
ORDER BY (resolution, has_pub, pub_bucket, destination, consumer_group, partition, resolve_bucket)
TTL toDateTime(if(has_pub = 1, pub_bucket, resolve_bucket)) + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: lag_cells by cityHash64(destination, consumer_group)

-- Clock offset per host (added to its span times to put them on the reference clock), estimated by
-- the pairing pass from the hops of the last 15 minutes: a message cannot be delivered before it was
-- published, so a consumer that starts before its producer ended shows the least shift between the
-- two hosts' clocks (lib/hops/clocks.ts). Views correct queue time and durations with it.
CREATE TABLE IF NOT EXISTS ${db}.host_clocks${local} ${onCluster}
(
    host LowCardinality(String),
    offset_ns Int64,
    -- the host pair and the evidence that fixed the offset
    basis String,
    updated_ms Int64
)
ENGINE = ${engine:ReplacingMergeTree}(updated_ms)
ORDER BY host;
-- distributed: host_clocks by cityHash64(host)

-- The pairing pass's watermark: every messaging span committed before it is paired.
CREATE TABLE IF NOT EXISTS ${db}.pairing_state${local} ${onCluster}
(
    name LowCardinality(String),
    watermark_ms Int64,
    updated_ms Int64
)
ENGINE = ${engine:ReplacingMergeTree}(updated_ms)
ORDER BY name;
-- distributed: pairing_state by cityHash64(name)
