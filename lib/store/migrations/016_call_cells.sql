-- Sync-call edges of the flow map as state (generation 5), like the messaging edges' hop_minutes:
-- the flow map joined every CLIENT span of its range with the SERVER spans below it per query
-- (1.4 s over 24 h at 10M spans, growing with the traffic). The pairing pass now recomputes the
-- cells of every second whose CLIENT spans, or the SERVER spans answering them, it sees committed
-- (lib/hops/call-cells.ts), and rolls the touched minutes up into 60 s cells, which the flow map reads.

-- When a call span was committed: the pairing pass reads what arrived after its watermark.
ALTER TABLE ${db}.call_spans${local} ${onCluster}
    ADD COLUMN IF NOT EXISTS ingested_at DateTime64(3) DEFAULT now64(3) CODEC(Delta(8), ZSTD(1));

ALTER TABLE ${db}.call_spans${local} ${onCluster}
    ADD INDEX IF NOT EXISTS idx_ingested_at ingested_at TYPE minmax GRANULARITY 1;

-- One row per (resolution, bucket of the CLIENT span's start, caller, callee service ('' when no
-- SERVER span answered: an external peer), peer, the caller's environment): calls (distinct client
-- spans), errors (client or server span failed) and the client span's duration.
CREATE TABLE IF NOT EXISTS ${db}.call_cells${local} ${onCluster}
(
    resolution UInt16,
    bucket DateTime,
    service LowCardinality(String),
    target LowCardinality(String),
    peer_name LowCardinality(String),
    peer_kind LowCardinality(String),
    env LowCardinality(String),
    namespace LowCardinality(String),
    calls UInt64,
    errors UInt64,
    duration_ms AggregateFunction(quantilesTDigest(0.5, 0.95), Float64),
    version UInt64,
    deleted UInt8 DEFAULT 0
)
ENGINE = ${engine:ReplacingMergeTree}(version, deleted)
PARTITION BY toDate(bucket)
ORDER BY (resolution, bucket, service, target, peer_name, peer_kind, env, namespace)
TTL bucket + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: call_cells by cityHash64(service)
