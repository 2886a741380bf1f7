-- The narrow messaging table behind hops, lag, duplicates and ordering (issue 3, DESIGN §5):
-- one row per publish (create/send) or deliver (receive/process) span, with only the columns the
-- analysis reads, ordered by operation and time. Fed by an MV from spans.
-- `refs` lists a deliver span's producer candidates (DESIGN §4): its parent, then each link; each
-- ref carries the per-message attributes a batch consumer may put on the link (message id,
-- partition, offset, key), falling back to the span's own when the span names a single message.
-- A resent span arrives twice here too: every query deduplicates by (trace_id, span_id).
CREATE TABLE IF NOT EXISTS ${db}.messaging_spans${local} ${onCluster}
(
    timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    end_time DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    -- cityHash64(trace_id, span_id): joins and deduplication run on this, not on the strings
    span_key UInt64 CODEC(ZSTD(1)),
    operation LowCardinality(String) CODEC(ZSTD(1)),
    system LowCardinality(String) CODEC(ZSTD(1)),
    destination LowCardinality(String) CODEC(ZSTD(1)),
    partition LowCardinality(String) CODEC(ZSTD(1)),
    offset Nullable(Int64) CODEC(ZSTD(1)),
    message_id String CODEC(ZSTD(1)),
    consumer_group LowCardinality(String) CODEC(ZSTD(1)),
    msg_key String CODEC(ZSTD(1)),
    message_type LowCardinality(String) CODEC(ZSTD(1)),
    service_name LowCardinality(String) CODEC(ZSTD(1)),
    -- the clock the span's times come from (clock-skew correction per host)
    host LowCardinality(String) CODEC(ZSTD(1)),
    env LowCardinality(String) CODEC(ZSTD(1)),
    namespace LowCardinality(String) CODEC(ZSTD(1)),
    status_code LowCardinality(String) CODEC(ZSTD(1)),
    link_count UInt16 CODEC(ZSTD(1)),
    -- an explicit redelivery / retry marker on a deliver span (spans.msg_redelivered: RabbitMQ
    -- redelivered flag, delivery count > 1, retry count > 0, a profile's attempt counter)
    redelivered UInt8 CODEC(ZSTD(1)),
    refs Array(Tuple(trace_id String, span_id String, message_id String, partition String, offset Nullable(Int64), msg_key String)) CODEC(ZSTD(1)),
    -- cityHash64(ref trace_id, ref span_id) per ref, parallel to refs
    ref_keys Array(UInt64) CODEC(ZSTD(1)),
    -- A deliver span's hop candidates, resolved at insert time so the pairing reads flat arrays of
    -- numbers and short strings instead of the refs tuples (deliver spans only; one entry per ref,
    -- or one empty entry, key 0, when the span has no ref). Per entry, the message's partition,
    -- offset, key and message id as the ref names them, else the span's own when it names a single
    -- message ('' / NULL when neither does; the producer span's values apply at query time), and
    -- the message identity hash to use when no ref is a stored publish span
    -- (message id, else destination + partition + offset, else the delivery itself; hops.ts).
    hop_keys Array(UInt64) CODEC(ZSTD(1)),
    hop_partitions Array(LowCardinality(String)) CODEC(ZSTD(1)),
    hop_offsets Array(Nullable(Int64)) CODEC(ZSTD(1)),
    hop_msg_keys Array(String) CODEC(ZSTD(1)),
    hop_message_ids Array(String) CODEC(ZSTD(1)),
    hop_unmatched_keys Array(UInt64) CODEC(ZSTD(1)),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_ref_trace_ids refs.trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_message_id message_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ${engine:MergeTree}
PARTITION BY toDate(timestamp)
-- publish and deliver spans each in time order: every analysis reads one side over a time window
ORDER BY (operation, timestamp)
TTL toDateTime(timestamp) + toIntervalDay(${ttlDays})
SETTINGS ttl_only_drop_parts = 1;
-- distributed: messaging_spans

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.messaging_spans_mv${local} ${onCluster}
TO ${db}.messaging_spans${local}
AS SELECT
    timestamp,
    timestamp + toIntervalNanosecond(duration_ns) AS end_time,
    trace_id,
    span_id,
    cityHash64(trace_id, span_id) AS span_key,
    msg_operation AS operation,
    msg_system AS system,
    msg_destination AS destination,
    msg_partition AS partition,
    msg_offset AS offset,
    msg_message_id AS message_id,
    msg_consumer_group AS consumer_group,
    msg_key,
    msg_message_type AS message_type,
    service_name,
    host,
    env,
    namespace,
    status_code,
    length(links.trace_id) AS link_count,
    msg_redelivered AS redelivered,
    if(msg_operation IN ('receive', 'process'),
        arrayConcat(
            if(parent_span_id != '',
                [tuple(trace_id, parent_span_id, msg_message_id, msg_partition, msg_offset, msg_key)],
                []),
            arrayMap((lt, ls, la) -> tuple(
                    lt,
                    ls,
                    if(la['messaging.message.id'] != '', la['messaging.message.id'],
                        if(la['messaging.message_id'] != '', la['messaging.message_id'],
                            if(length(links.trace_id) = 1, msg_message_id, ''))),
                    multiIf(la['messaging.destination.partition.id'] != '', la['messaging.destination.partition.id'],
                        la['messaging.kafka.destination.partition'] != '', la['messaging.kafka.destination.partition'],
                        la['messaging.kafka.source.partition'] != '', la['messaging.kafka.source.partition'],
                        la['messaging.kafka.partition'] != '', la['messaging.kafka.partition'],
                        msg_partition),
                    coalesce(toInt64OrNull(la['messaging.kafka.offset']),
                        toInt64OrNull(la['messaging.kafka.message.offset']),
                        if(length(links.trace_id) = 1, msg_offset, NULL)),
                    multiIf(la['messaging.kafka.message.key'] != '', la['messaging.kafka.message.key'],
                        la['messaging.kafka.message_key'] != '', la['messaging.kafka.message_key'],
                        length(links.trace_id) = 1, msg_key, '')),
                links.trace_id, links.span_id, links.attributes)),
        []) AS refs,
    arrayMap(r -> cityHash64(tupleElement(r, 1), tupleElement(r, 2)), refs) AS ref_keys,
    if(msg_operation IN ('receive', 'process'), arrayResize(ref_keys, greatest(length(refs), 1)), []) AS hop_keys,
    arrayMap(r -> multiIf(tupleElement(r, 4) != '', tupleElement(r, 4),
                          msg_partition != '' AND length(refs) <= 1, msg_partition, ''),
             if(msg_operation IN ('receive', 'process'), arrayResize(refs, greatest(length(refs), 1)), [])) AS hop_partitions,
    arrayMap(r -> coalesce(tupleElement(r, 5), if(length(refs) <= 1, msg_offset, NULL)),
             if(msg_operation IN ('receive', 'process'), arrayResize(refs, greatest(length(refs), 1)), [])) AS hop_offsets,
    arrayMap(r -> multiIf(tupleElement(r, 6) != '', tupleElement(r, 6),
                          msg_key != '' AND length(refs) <= 1, msg_key, ''),
             if(msg_operation IN ('receive', 'process'), arrayResize(refs, greatest(length(refs), 1)), [])) AS hop_msg_keys,
    arrayMap(r -> if(tupleElement(r, 3) != '', tupleElement(r, 3),
                     if(length(refs) <= 1, msg_message_id, '')),
             if(msg_operation IN ('receive', 'process'), arrayResize(refs, greatest(length(refs), 1)), [])) AS hop_message_ids,
    arrayMap((id, part, off) -> multiIf(id != '', cityHash64('id', msg_destination, id),
                                        off IS NOT NULL, cityHash64('offset', msg_destination, part, assumeNotNull(off)),
                                        cityHash64('delivery', span_key)),
             hop_message_ids, hop_partitions, hop_offsets) AS hop_unmatched_keys
FROM ${db}.spans${local}
WHERE msg_operation IN ('create', 'send', 'receive', 'process');
