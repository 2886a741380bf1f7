-- The broker's own numbers (issue 11): OTLP metric points of the broker-side lag metrics, one row
-- per point, as received (collector/otlp/metrics-decode.ts says which metrics and how each maps to
-- these columns). Traces say how long messages waited; these say how many wait now, even when no
-- consumer runs. Keyed by the series and the point's time: an exporter's resend writes the same key
-- again (ReplacingMergeTree keeps one); readers take the latest point per series and need no FINAL.
CREATE TABLE IF NOT EXISTS ${db}.broker_metrics${local} ${onCluster}
(
    -- the point's time_unix_nano and start_time_unix_nano (0 for gauges)
    time DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    start_time DateTime64(9) CODEC(ZSTD(1)),
    -- what emitted it: 'kafkametrics' (Collector kafkametricsreceiver), 'rabbitmq' (rabbitmqreceiver),
    -- 'messaging' (client libraries' messaging.client.* metrics)
    source LowCardinality(String) CODEC(ZSTD(1)),
    metric LowCardinality(String) CODEC(ZSTD(1)),
    system LowCardinality(String) CODEC(ZSTD(1)),
    -- topic or queue; '' for a metric about a group alone (kafka.consumer_group.members)
    destination LowCardinality(String) CODEC(ZSTD(1)),
    -- Kafka consumer group; RabbitMQ: the queue (DESIGN §1); '' for a metric about a topic alone
    consumer_group LowCardinality(String) CODEC(ZSTD(1)),
    -- '' when the metric is not per partition (the *_sum metrics, RabbitMQ)
    partition LowCardinality(String) CODEC(ZSTD(1)),
    -- rabbitmq.message.current's `state` (ready, unacknowledged); '' otherwise
    state LowCardinality(String) CODEC(ZSTD(1)),
    value Float64 CODEC(ZSTD(1)),
    -- the exact value when the point was an integer (as_int)
    value_int Nullable(Int64) CODEC(ZSTD(1)),
    -- 'gauge' | 'cumulative' | 'delta' | 'unspecified' (a Sum's aggregation temporality, as received)
    temporality LowCardinality(String) CODEC(ZSTD(1)),
    monotonic UInt8 CODEC(ZSTD(1)),
    unit LowCardinality(String) CODEC(ZSTD(1)),
    service_name LowCardinality(String) CODEC(ZSTD(1)),
    -- resource fields of the RabbitMQ receiver (rabbitmq.vhost.name, rabbitmq.node.name)
    vhost LowCardinality(String) CODEC(ZSTD(1)),
    node LowCardinality(String) CODEC(ZSTD(1)),
    resource_attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    received_at DateTime64(3) DEFAULT now64(3) CODEC(Delta(8), ZSTD(1))
)
ENGINE = ${engine:ReplacingMergeTree}
PARTITION BY toDate(time)
ORDER BY (destination, consumer_group, metric, partition, state, source, vhost, node, time)
TTL toDateTime(time) + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: broker_metrics by cityHash64(destination, consumer_group)
