-- Every span as received, plus the normalized messaging columns of DESIGN §4.
-- Tokens: ${db}, ${onCluster}, ${local} ('' or '_local'), ${engine:<Family>}, ${ttlDays};
-- a line `-- distributed: <table>` adds a Distributed table over <table>${local} in cluster mode.
CREATE TABLE IF NOT EXISTS ${db}.spans${local} ${onCluster}
(
    timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    duration_ns UInt64 CODEC(ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    parent_span_id String CODEC(ZSTD(1)),
    trace_state String CODEC(ZSTD(1)),
    flags UInt32 CODEC(ZSTD(1)),
    span_name LowCardinality(String) CODEC(ZSTD(1)),
    span_kind LowCardinality(String) CODEC(ZSTD(1)),
    service_name LowCardinality(String) CODEC(ZSTD(1)),
    host LowCardinality(String) CODEC(ZSTD(1)),
    -- the span's resource and scope attributes, stored once in `resources` under this key
    resource_key UInt64 CODEC(ZSTD(1)),
    scope_name LowCardinality(String) CODEC(ZSTD(1)),
    scope_version LowCardinality(String) CODEC(ZSTD(1)),
    span_attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    -- types of the span's, its events' and its links' attributes that are not strings (rows.ts)
    attribute_types Map(LowCardinality(String), LowCardinality(String)) CODEC(ZSTD(1)),
    status_code LowCardinality(String) CODEC(ZSTD(1)),
    status_message String CODEC(ZSTD(1)),
    events Nested(
        timestamp DateTime64(9),
        name LowCardinality(String),
        attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    links Nested(
        trace_id String,
        span_id String,
        trace_state String,
        attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    msg_system LowCardinality(String) CODEC(ZSTD(1)),
    msg_operation LowCardinality(String) CODEC(ZSTD(1)),
    msg_destination LowCardinality(String) CODEC(ZSTD(1)),
    msg_partition LowCardinality(String) CODEC(ZSTD(1)),
    msg_offset Nullable(Int64) CODEC(ZSTD(1)),
    msg_message_id String CODEC(ZSTD(1)),
    msg_consumer_group LowCardinality(String) CODEC(ZSTD(1)),
    msg_key String CODEC(ZSTD(1)),
    msg_conversation_id String CODEC(ZSTD(1)),
    msg_message_type LowCardinality(String) CODEC(ZSTD(1)),
    peer_name LowCardinality(String) CODEC(ZSTD(1)),
    peer_kind LowCardinality(String) CODEC(ZSTD(1)),
    -- What a span lost before it was stored, as OTLP counts it (Span.dropped_attributes_count,
    -- dropped_events_count, dropped_links_count): the sender's own counts plus what the collector's
    -- per-client limits cut (EVENTSCOPE_MAX_ATTRIBUTES_PER_SPAN, _EVENTS_PER_SPAN, _LINKS_PER_SPAN).
    dropped_attributes_count UInt32 DEFAULT 0 CODEC(ZSTD(1)),
    dropped_events_count UInt32 DEFAULT 0 CODEC(ZSTD(1)),
    dropped_links_count UInt32 DEFAULT 0 CODEC(ZSTD(1)),
    -- Instrumentation profiles (collector/profiles) and the collector's normalization:
    -- msg_redelivered: this delivery is a retry — a redelivery flag or delivery/retry counter on the
    --   span (RabbitMQ redelivered, delivery_count > 1, retry count > 0 …) or a profile's attempt
    --   counter (BullMQ attempts.made > 1, Celery retries > 0 …); messaging_spans.redelivered is it.
    -- msg_housekeeping: a library's own bookkeeping span (timers, stalled-job checks, closing a
    --   connection): kept here; a trace rooted in one is marked in trace_index (never a row of the
    --   request list), and it is left out of call_spans (never a node or edge on the flow map).
    msg_redelivered UInt8 DEFAULT 0 CODEC(ZSTD(1)),
    msg_housekeeping UInt8 DEFAULT 0 CODEC(ZSTD(1)),
    -- The resource's environment (`deployment.environment.name`, else `deployment.environment`) and
    -- namespace (`service.namespace`, else `k8s.namespace.name`), computed once per resource by the
    -- collector: the same service names run in several environments, so the narrow tables and the
    -- hop model carry them as dimensions (lib/hops/env.ts).
    env LowCardinality(String) DEFAULT '' CODEC(ZSTD(1)),
    namespace LowCardinality(String) DEFAULT '' CODEC(ZSTD(1))
)
ENGINE = ${engine:MergeTree}
PARTITION BY toDate(timestamp)
-- Ten-minute buckets, then trace id: a timeline reads its traces (trace id within the trace_index
-- time bounds) as a primary-key range per bucket, with no projection or bloom filter to maintain:
-- every other reader scans a time range, which the first key column bounds.
ORDER BY (toStartOfTenMinutes(timestamp), trace_id)
TTL toDateTime(timestamp) + toIntervalDay(${ttlDays})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;
-- distributed: spans

-- Each distinct (resource, scope) of the spans of a day, once: the same for every span of an SDK's
-- export batch, so spans carry only its key (resource_key = a hash the collector computes once per
-- ScopeSpans, collector/otlp/decode.ts). Written before the spans that refer to it; a key may be
-- written more than once (several collectors, restarts): readers take one row per key.
-- Kept a day longer than spans, so a span never outlives its resource.
CREATE TABLE IF NOT EXISTS ${db}.resources${local} ${onCluster}
(
    resource_key UInt64,
    service_name LowCardinality(String),
    resource_attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    scope_name LowCardinality(String),
    scope_version LowCardinality(String),
    scope_attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    -- 'resource.<key>' / 'scope.<key>' → type, for the attributes that are not strings
    attribute_types Map(LowCardinality(String), LowCardinality(String)) CODEC(ZSTD(1)),
    day Date
)
ENGINE = ${engine:ReplacingMergeTree}
PARTITION BY day
ORDER BY resource_key
TTL day + toIntervalDay(${ttlDays} + 1)
SETTINGS ttl_only_drop_parts = 1;
-- distributed: resources

-- trace id → time bounds, so a timeline lookup reads one key and then a narrow time range of spans.
CREATE TABLE IF NOT EXISTS ${db}.trace_index${local} ${onCluster}
(
    trace_id String CODEC(ZSTD(1)),
    start SimpleAggregateFunction(min, DateTime64(9)),
    end SimpleAggregateFunction(max, DateTime64(9)),
    span_count SimpleAggregateFunction(sum, UInt64),
    -- a trace whose root is housekeeping (a stalled-job check and the Redis calls it makes) is no
    -- request: the request list skips it before its LIMIT
    housekeeping_root SimpleAggregateFunction(max, UInt8) DEFAULT 0
)
ENGINE = ${engine:AggregatingMergeTree}
PARTITION BY toDate(start)
ORDER BY trace_id
TTL toDateTime(start) + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: trace_index

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.trace_index_mv${local} ${onCluster}
TO ${db}.trace_index${local}
AS SELECT
    trace_id,
    min(timestamp) AS start,
    max(timestamp + toIntervalNanosecond(duration_ns)) AS end,
    count() AS span_count,
    max(toUInt8(msg_housekeeping = 1 AND parent_span_id = '')) AS housekeeping_root
FROM ${db}.spans${local}
GROUP BY trace_id;

-- One row per span link, ordered by the linked (target) span: "who links to this span/trace" is a
-- key lookup. The other direction (a span's own links) is read from spans.links.
CREATE TABLE IF NOT EXISTS ${db}.span_links${local} ${onCluster}
(
    link_trace_id String CODEC(ZSTD(1)),
    link_span_id String CODEC(ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    service_name LowCardinality(String) CODEC(ZSTD(1)),
    attributes Map(LowCardinality(String), String) CODEC(ZSTD(1))
)
ENGINE = ${engine:MergeTree}
PARTITION BY toDate(timestamp)
ORDER BY (link_trace_id, link_span_id)
TTL toDateTime(timestamp) + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: span_links

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.span_links_mv${local} ${onCluster}
TO ${db}.span_links${local}
AS SELECT
    link.1 AS link_trace_id,
    link.2 AS link_span_id,
    trace_id,
    span_id,
    timestamp,
    service_name,
    link.3 AS attributes
FROM ${db}.spans${local}
ARRAY JOIN arrayZip(links.trace_id, links.span_id, links.attributes) AS link;
