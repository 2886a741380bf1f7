-- When each message was delivered, by message key (generation 4): the pairing pass reads the
-- earlier deliveries of the messages it pairs (classification needs all of them), and a message
-- without a stored publish span may have been delivered at any time in the look-back. `hops` is
-- ordered by hour first, so finding those rows by key alone read every hour of the day on every
-- pass (≈ 0.7 s per pass at 10M spans); this table gives the hours to read, one key lookup each.
-- Every row written to `hops` (tombstones too) adds one here; duplicates are harmless (the pass
-- reads the distinct hours).
CREATE TABLE IF NOT EXISTS ${db}.hop_keys${local} ${onCluster}
(
    message_key UInt64,
    hour DateTime CODEC(ZSTD(1))
)
ENGINE = ${engine:MergeTree}
PARTITION BY toDate(hour)
ORDER BY (message_key, hour)
TTL hour + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: hop_keys

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.hop_keys_mv${local} ${onCluster}
TO ${db}.hop_keys${local}
AS SELECT message_key, toStartOfHour(d_start) AS hour
FROM ${db}.hops${local};
