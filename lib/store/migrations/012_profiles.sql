-- Instrumentation profiles (issue 11, collector/profiles): two normalized flags on every span and the
-- views that read them.
-- msg_redelivered: a profile's attempt counter or redelivery flag said this delivery is a retry
--   (BullMQ's attempts.made > 1, Celery's retries > 0 …); messaging_spans.redelivered includes it, so
--   the hop model classifies such a retry as a redelivery after failure.
-- msg_housekeeping: a library's own bookkeeping span (timers, stalled-job checks, closing a
--   connection): kept in spans; a trace rooted in one is marked in trace_index (never a row of the
--   request list), and it is left out of call_spans (never a node or edge on the flow map).
--   Messaging views never see it: its operation is ''.
ALTER TABLE ${db}.spans${local} ${onCluster}
    ADD COLUMN IF NOT EXISTS msg_redelivered UInt8 DEFAULT 0 CODEC(ZSTD(1));

ALTER TABLE ${db}.spans${local} ${onCluster}
    ADD COLUMN IF NOT EXISTS msg_housekeeping UInt8 DEFAULT 0 CODEC(ZSTD(1));

-- A trace whose root is housekeeping (a stalled-job check and the Redis calls it makes) is no
-- request: trace_index says so per trace, so the request list skips it before its LIMIT.
ALTER TABLE ${db}.trace_index${local} ${onCluster}
    ADD COLUMN IF NOT EXISTS housekeeping_root SimpleAggregateFunction(max, UInt8) DEFAULT 0;

-- MODIFY QUERY replaces a view's query in place (idempotent; no window in which rows are missed).
ALTER TABLE ${db}.trace_index_mv${local} ${onCluster} MODIFY QUERY
SELECT
    trace_id,
    min(timestamp) AS start,
    max(timestamp + toIntervalNanosecond(duration_ns)) AS end,
    count() AS span_count,
    max(toUInt8(msg_housekeeping = 1 AND parent_span_id = '')) AS housekeeping_root
FROM ${db}.spans${local}
GROUP BY trace_id;

ALTER TABLE ${db}.call_spans_mv${local} ${onCluster} MODIFY QUERY
SELECT
    timestamp,
    span_kind,
    trace_id,
    span_id,
    parent_span_id,
    service_name,
    host,
    duration_ns,
    toUInt8(status_code = 'ERROR') AS is_error,
    peer_name,
    peer_kind
FROM ${db}.spans${local}
WHERE span_kind IN ('CLIENT', 'SERVER') AND msg_operation = '' AND msg_housekeeping = 0;

-- 005's query with `OR msg_redelivered = 1` in the redelivered flag.
ALTER TABLE ${db}.messaging_spans_mv${local} ${onCluster} MODIFY QUERY
SELECT
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
    status_code,
    length(links.trace_id) AS link_count,
    toUInt8(
        span_attributes['messaging.rabbitmq.redelivered'] IN ('true', '1')
        OR span_attributes['messaging.rabbitmq.message.redelivered'] IN ('true', '1')
        OR span_attributes['messaging.message.redelivered'] IN ('true', '1')
        OR span_attributes['messaging.redelivered'] IN ('true', '1')
        OR toUInt64OrZero(span_attributes['messaging.message.delivery_count']) > 1
        OR toUInt64OrZero(span_attributes['messaging.servicebus.message.delivery_count']) > 1
        OR toUInt64OrZero(span_attributes['messaging.gcp_pubsub.message.delivery_attempt']) > 1
        OR toUInt64OrZero(span_attributes['messaging.retry.count']) > 0
        OR toUInt64OrZero(span_attributes['retry.count']) > 0
        OR msg_redelivered = 1
    ) AS redelivered,
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
