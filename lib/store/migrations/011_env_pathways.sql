-- Environments, namespaces and pathways in the hop model (issue 12).
--
-- Environment and namespace come from a span's resource (`deployment.environment.name`, else the
-- older `deployment.environment`; `service.namespace`, else `k8s.namespace.name`). The same service
-- names run in several environments, so the hop model carries them as dimensions instead of
-- filtering by service-name sets: the collector puts them on every span (spans.env / namespace,
-- copied into messaging_spans, publish_keys and call_spans), and the pairing pass stamps every hop,
-- minute, lag cell and pathway minute with them.
-- Hops: both sides' environment and namespace, and the pathway (DSM's end-to-end view): the time
-- of the first publish of the message chain this hop belongs to (inherited from the upstream hop
-- whose consumer span contains this hop's publish, in the same trace and service), the chain's
-- path so far ('shop → orders [billing] → payments [notifier]') with its hash, and the hop's depth.
ALTER TABLE ${db}.hops${local} ${onCluster}
    ADD COLUMN IF NOT EXISTS d_env LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS d_namespace LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS p_env LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS p_namespace LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS origin_ns Int64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS origin_trace_id String DEFAULT '' CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS path String DEFAULT '' CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS path_hash UInt64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS path_depth UInt8 DEFAULT 0,
    -- consumer span end − origin publish start, ns, on corrected clocks (first deliveries with an origin)
    ADD COLUMN IF NOT EXISTS e2e_ns Nullable(Int64);

-- Per-minute state and lag cells get the environment and namespace in their key (columns added
-- in the same ALTER may extend the sorting key; without a default, as ClickHouse requires; a re-run
-- changes nothing). Deliver minutes and lag cells take the consumer's, publish minutes the publisher's.
ALTER TABLE ${db}.hop_minutes${local} ${onCluster}
    ADD COLUMN IF NOT EXISTS env LowCardinality(String),
    ADD COLUMN IF NOT EXISTS namespace LowCardinality(String),
    MODIFY ORDER BY (minute, kind, destination, consumer_group, partition, message_type, p_service, d_service, system, env, namespace);

ALTER TABLE ${db}.lag_cells${local} ${onCluster}
    ADD COLUMN IF NOT EXISTS env LowCardinality(String),
    ADD COLUMN IF NOT EXISTS namespace LowCardinality(String),
    MODIFY ORDER BY (resolution, has_pub, pub_bucket, destination, consumer_group, partition, resolve_bucket, env, namespace);

-- Pathways per minute of the consumer's completion: per (path, step) the time from the chain's
-- first publish to the consumer span's end, as exact samples while few and t-digests beyond,
-- with one example request. Recomputed by the pass for every deliver minute it touched.
CREATE TABLE IF NOT EXISTS ${db}.pathway_minutes${local} ${onCluster}
(
    minute DateTime,
    env LowCardinality(String),
    namespace LowCardinality(String),
    path_hash UInt64,
    path String CODEC(ZSTD(1)),
    depth UInt8,
    origin_service LowCardinality(String),
    destination LowCardinality(String),
    consumer_group LowCardinality(String),
    d_service LowCardinality(String),
    hops UInt64,
    errors UInt64,
    e2e_ms AggregateFunction(quantilesTDigest(0.5, 0.95), Float64),
    e2e_exact AggregateFunction(quantilesExactInclusive(0.5, 0.95), Float64),
    e2e_max_ms Float64,
    example_trace_id String CODEC(ZSTD(1)),
    version UInt64,
    deleted UInt8 DEFAULT 0
)
ENGINE = ${engine:ReplacingMergeTree}(version, deleted)
PARTITION BY toDate(minute)
ORDER BY (minute, path_hash, depth, destination, consumer_group, d_service, env, namespace)
TTL minute + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: pathway_minutes by cityHash64(minute, path_hash)
