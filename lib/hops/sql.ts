// The SQL that pairs deliver spans with their publish spans (DESIGN §1, §4), for the pairing pass.
//
// A deliver span D (receive/process) names its producer candidates in its hop arrays (migration
// 005): its parent, then each link, each with the message's partition / offset / key / message id
// as the ref or the span names them. Every candidate that is a stored publish span P makes one hop
// (P, D) — a batch deliver span with N linked producers makes N hops. When none is, D still counts
// as a delivery of a message identified by its message id, else (destination, partition, offset),
// else by D itself (which can never repeat). Producers are looked up by key in publish_keys
// (migration 007), whatever their age.

import { DELIVER_SQL } from '../domain.js';

/** Columns of one paired hop as JSON rows (64-bit values as strings, DateTime64 as text). */
export interface PairedHopRow {
  consumer_group: string;
  destination: string;
  message_key: string;
  d_key: string;
  message: string;
  identified: number;
  matched: number;
  system: string;
  partition: string;
  offset: string | null;
  msg_key: string;
  message_id: string;
  message_type: string;
  d_trace_id: string;
  d_span_id: string;
  d_start: string;
  d_end: string;
  d_service: string;
  d_operation: string;
  d_status: string;
  d_redelivered: number;
  d_link_count: number;
  p_trace_id: string;
  p_span_id: string;
  p_start: string | null;
  p_end: string | null;
  p_service: string;
  d_host: string;
  p_host: string;
  /** raw deliver start − publish end (the pass corrects it per host into queue_ns) */
  raw_queue_ns: string | null;
  /** environment / namespace of the consumer's and the producer's resource (lib/hops/env.ts) */
  d_env: string;
  d_namespace: string;
  p_env: string;
  p_namespace: string;
}

/**
 * Hops of the deliver spans {keys:Array(UInt64)} that start in [{dFromMs}, {dToMs}) (ms). A resent
 * span (deliver or publish) yields identical rows: the publish side joins ANY, the final LIMIT 1 BY
 * drops repeated deliveries.
 */
export function pairingSql(db: string): string {
  const deliveries = `
          SELECT * FROM ${db}.messaging_spans
           WHERE operation IN ${DELIVER_SQL}
             AND timestamp >= fromUnixTimestamp64Milli({dFromMs:Int64})
             AND timestamp < fromUnixTimestamp64Milli({dToMs:Int64})
             AND span_key IN {keys:Array(UInt64)}`;
  const candidates = `SELECT arrayJoin(hop_keys) FROM (${deliveries})`;
  return `
    SELECT
      consumer_group, destination, message_key, d_key, message, identified, matched, system, partition, offset, msg_key,
      message_id, message_type, d_trace_id, d_span_id, d_start, d_end, d_service, d_operation, d_status, d_redelivered,
      d_link_count, p_trace_id, p_span_id, p_start, p_end, p_service, d_host, p_host, raw_queue_ns,
      d_env, d_namespace, p_env, p_namespace
    FROM (
      SELECT
        d.span_key AS d_key,
        d.trace_id AS d_trace_id,
        d.span_id AS d_span_id,
        d.timestamp AS d_start,
        d.end_time AS d_end,
        d.service_name AS d_service,
        d.status_code AS d_status,
        d.redelivered AS d_redelivered,
        d.operation AS d_operation,
        d.link_count AS d_link_count,
        d.consumer_group AS consumer_group,
        p.span_key != 0 AS matched,
        if(matched, p.destination, d.destination) AS destination,
        if(matched AND p.system != '', p.system, d.system) AS system,
        if(d.hop_partition != '', d.hop_partition, if(matched, p.partition, '')) AS partition,
        coalesce(d.hop_offset, if(matched, p.offset, NULL)) AS offset,
        if(d.hop_msg_key != '', d.hop_msg_key, if(matched, p.msg_key, '')) AS msg_key,
        if(d.hop_message_id != '', d.hop_message_id, if(matched, p.message_id, '')) AS message_id,
        if(matched AND p.message_type != '', p.message_type, d.message_type) AS message_type,
        multiIf(matched, concat('span:', p.trace_id, ':', p.span_id),
                d.hop_message_id != '', concat('id:', destination, ':', d.hop_message_id),
                offset IS NOT NULL, concat('offset:', destination, ':', partition, ':', toString(offset)),
                concat('delivery:', d.trace_id, ':', d.span_id)) AS message,
        if(matched, p.span_key, d.hop_unmatched_key) AS message_key,
        toUInt8(matched OR d.hop_message_id != '' OR offset IS NOT NULL) AS identified,
        if(matched, p.trace_id, '') AS p_trace_id,
        if(matched, p.span_id, '') AS p_span_id,
        if(matched, p.timestamp, NULL) AS p_start,
        if(matched, p.end_time, NULL) AS p_end,
        if(matched, p.service_name, '') AS p_service,
        d.host AS d_host,
        if(matched, p.host, '') AS p_host,
        if(matched, toUnixTimestamp64Nano(d.timestamp) - toUnixTimestamp64Nano(p.end_time), NULL) AS raw_queue_ns,
        d.env AS d_env,
        d.namespace AS d_namespace,
        if(matched, p.env, '') AS p_env,
        if(matched, p.namespace, '') AS p_namespace
      FROM (
        -- the candidates that are stored publish spans; when none is, every candidate (for the
        -- fallback identities a batch consumer may carry per link), or the one empty candidate
        SELECT span_key, trace_id, span_id, timestamp, end_time, operation, system, destination, consumer_group,
               service_name, host, env, namespace, status_code, redelivered, link_count, message_type,
               hop_key, hop_partition, hop_offset, hop_msg_key, hop_message_id, hop_unmatched_key
        FROM (
          SELECT *,
                 arrayMap(k -> k IN (SELECT span_key FROM ${db}.publish_keys WHERE span_key IN (${candidates})), hop_keys) AS hop_is_publish,
                 has(hop_is_publish, 1) AS any_publish
          FROM (${deliveries})
        )
        ARRAY JOIN hop_keys AS hop_key, hop_partitions AS hop_partition, hop_offsets AS hop_offset,
                   hop_msg_keys AS hop_msg_key, hop_message_ids AS hop_message_id,
                   hop_unmatched_keys AS hop_unmatched_key, hop_is_publish AS is_publish
        WHERE is_publish OR NOT any_publish
      ) AS d
      LEFT ANY JOIN (
        SELECT span_key, trace_id, span_id, timestamp, end_time, system, destination, partition, offset, msg_key,
               message_id, message_type, service_name, host, env, namespace
        FROM ${db}.publish_keys
        WHERE span_key IN (${candidates})
      ) AS p ON p.span_key = d.hop_key
    )
    LIMIT 1 BY d_key, message_key`;
}
