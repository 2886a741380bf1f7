-- Alerts (issue 12): rules kept in the store, the state of every rule per instance (a destination,
-- consumer group or service it watches) so a restart does not notify again, and the history of
-- firing / resolved transitions the alerts page shows. lib/alerts/repository.ts reads and writes them.

-- One row per rule version: an edit writes a newer version, a delete a newer version with deleted = 1.
CREATE TABLE IF NOT EXISTS ${db}.alert_rules${local} ${onCluster}
(
    id String,
    -- the validated rule (lib/alerts/rules.ts), as JSON
    rule String CODEC(ZSTD(1)),
    created_ms Int64,
    version UInt64,
    deleted UInt8 DEFAULT 0
)
ENGINE = ${engine:ReplacingMergeTree}(version, deleted)
ORDER BY id;
-- distributed: alert_rules by cityHash64(id)

-- The state machine of each (rule, instance): ok → pending → firing → ok (lib/alerts/state.ts).
-- `notified` is the last transition a notification was sent for: written before it is sent, so
-- nothing is sent twice for one transition, even across a restart.
CREATE TABLE IF NOT EXISTS ${db}.alert_states${local} ${onCluster}
(
    rule_id String,
    -- the instance as canonical JSON ({"destination":…,"consumerGroup":…} or {"service":…})
    instance String,
    state LowCardinality(String),
    since_ms Int64,
    value Nullable(Float64),
    value_text String,
    notified LowCardinality(String),
    version UInt64
)
ENGINE = ${engine:ReplacingMergeTree}(version)
ORDER BY (rule_id, instance);
-- distributed: alert_states by cityHash64(rule_id)

-- Firing and resolved transitions, newest read first.
CREATE TABLE IF NOT EXISTS ${db}.alert_events${local} ${onCluster}
(
    at DateTime64(3),
    rule_id String,
    rule_name String,
    instance String,
    event LowCardinality(String),
    value Nullable(Float64),
    value_text String,
    since_ms Int64
)
ENGINE = ${engine:MergeTree}
PARTITION BY toDate(at)
ORDER BY (at, rule_id)
TTL toDateTime(at) + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: alert_events by cityHash64(rule_id)
