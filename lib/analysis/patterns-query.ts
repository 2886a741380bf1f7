// The rows patterns.ts classifies: message types per edge (hop_minutes), chains of hops (a message
// sent from inside another one's consumer span, `hops`), call-backs (a consumer's sync call to the
// publisher during the delivery, `call_spans`), correlation ids on publishes (`spans`).
import { PUBLISH_SQL } from '../domain.js';
import { envParams, envWhere, type EnvFilter } from '../hops/env.js';
import type { Store } from '../store/index.js';
import { buildPatterns, type PatternRows, type Patterns } from './patterns.js';

export interface PatternsQuery extends EnvFilter {
  fromMs: number;
  toMs: number;
}

/** A call-back counts when the call starts during the delivery or at most this long after it ended. */
export const CALLBACK_AFTER_MS = 1_000;

type Num = number | string;
const num = (v: Num | null | undefined) => (v === null || v === undefined ? 0 : Number(v));
const TYPE = `if(message_type = '', destination, message_type)`;

export async function patternRows(store: Store, q: PatternsQuery): Promise<PatternRows> {
  const db = store.database;
  const params = { fromMs: q.fromMs, toMs: q.toMs, afterMs: CALLBACK_AFTER_MS, ...envParams(q) };
  const hopWindow = `d_start >= fromUnixTimestamp64Milli({fromMs:Int64}) AND d_start < fromUnixTimestamp64Milli({toMs:Int64})
        AND deleted = 0${envWhere(q, 'd_env', 'd_namespace')}`;
  const [types, chains, callbacks, correlations] = await Promise.all([
    store.query<{ kind: 'publish' | 'deliver'; message_type: string; destination: string; system: string; p_service: string; d_service: string; consumer_group: string; messages: Num }>(
      `SELECT kind, ${TYPE} AS message_type, destination, system, p_service, d_service, consumer_group, sum(messages) AS messages
         FROM ${db}.hop_minutes FINAL
        WHERE minute >= toStartOfMinute(fromUnixTimestamp64Milli({fromMs:Int64}))
          AND minute < fromUnixTimestamp64Milli({toMs:Int64}) AND deleted = 0${envWhere(q)}
        GROUP BY kind, message_type, destination, system, p_service, d_service, consumer_group
       HAVING messages > 0`,
      { name: 'patterns:types', params },
    ),
    // y was published by the service handling x, inside x's consumer span, in x's trace
    store.query<{ in_type: string; in_publisher: string; in_group: string; handler: string; out_type: string; out_destination: string; out_consumer: string; messages: Num }>(
      `SELECT x.in_type AS in_type, x.p_service AS in_publisher, x.consumer_group AS in_group, x.d_service AS handler,
              y.out_type AS out_type, y.destination AS out_destination, y.d_service AS out_consumer,
              uniqExact(y.message) AS messages
         FROM (SELECT ${TYPE} AS in_type, p_service, consumer_group, d_service, d_trace_id, d_start, d_end
                 FROM ${db}.hops FINAL WHERE ${hopWindow} AND class != 'prelude') AS x
        INNER JOIN (SELECT ${TYPE} AS out_type, destination, d_service, p_service, p_trace_id, p_start, message
                      FROM ${db}.hops FINAL
                     WHERE d_start >= fromUnixTimestamp64Milli({fromMs:Int64}) AND d_start < fromUnixTimestamp64Milli({toMs:Int64}) + toIntervalHour(1)
                       AND deleted = 0 AND class != 'prelude'
                       AND p_start IS NOT NULL) AS y
           ON y.p_trace_id = x.d_trace_id AND y.p_service = x.d_service
        WHERE y.p_start >= x.d_start AND y.p_start <= x.d_end
        GROUP BY in_type, in_publisher, in_group, handler, out_type, out_destination, out_consumer`,
      { name: 'patterns:chains', params },
    ),
    store.query<{ message_type: string; destination: string; consumer_group: string; d_service: string; p_service: string; deliveries: Num; callbacks: Num }>(
      `SELECT message_type, destination, consumer_group, d_service, p_service, count() AS deliveries, countIf(called) AS callbacks
         FROM (
           SELECT h.d_key AS d_key, any(h.message_type) AS message_type, any(h.destination) AS destination,
                  any(h.consumer_group) AS consumer_group, any(h.d_service) AS d_service, any(h.p_service) AS p_service,
                  max(c.ts >= h.d_start AND c.ts <= addMilliseconds(h.d_end, {afterMs:Int64})) AS called
             FROM (SELECT d_key, ${TYPE} AS message_type, destination, consumer_group, d_service, p_service, d_trace_id, d_start, d_end
                     FROM ${db}.hops FINAL WHERE ${hopWindow} AND class = 'first' AND matched = 1 AND p_service != '') AS h
             LEFT JOIN (
               SELECT c.trace_id AS trace_id, c.service_name AS caller, if(s.service_name != '', s.service_name, c.peer_name) AS callee,
                      c.timestamp AS ts
                 FROM (SELECT span_key, trace_id, service_name, peer_name, timestamp FROM ${db}.call_spans
                        WHERE span_kind = 'CLIENT' AND timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})
                          AND timestamp < fromUnixTimestamp64Milli({toMs:Int64}) + toIntervalSecond(60)) AS c
                 LEFT JOIN (SELECT parent_key, any(service_name) AS service_name FROM ${db}.call_spans
                             WHERE span_kind = 'SERVER' AND parent_key != 0 AND timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})
                               AND timestamp < fromUnixTimestamp64Milli({toMs:Int64}) + toIntervalSecond(120)
                             GROUP BY parent_key) AS s ON s.parent_key = c.span_key
             ) AS c ON c.trace_id = h.d_trace_id AND c.caller = h.d_service AND c.callee = h.p_service
            GROUP BY d_key
         )
        GROUP BY message_type, destination, consumer_group, d_service, p_service`,
      { name: 'patterns:callbacks', params },
    ),
    store.query<{ message_type: string; publishes: Num; correlated: Num }>(
      `SELECT if(msg_message_type = '', msg_destination, msg_message_type) AS message_type,
              uniqExact(trace_id, span_id) AS publishes,
              uniqExactIf((trace_id, span_id), msg_conversation_id != '') AS correlated
         FROM ${db}.spans
        WHERE timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}) AND timestamp < fromUnixTimestamp64Milli({toMs:Int64})
          AND msg_operation IN ${PUBLISH_SQL}${envWhere(q)}
        GROUP BY message_type`,
      { name: 'patterns:correlation', params },
    ),
  ]);
  return {
    types: types.map((r) => ({
      kind: r.kind,
      messageType: r.message_type,
      destination: r.destination,
      system: r.system,
      publisher: r.p_service,
      consumer: r.d_service,
      consumerGroup: r.consumer_group,
      messages: num(r.messages),
    })),
    chains: chains.map((r) => ({
      inType: r.in_type,
      inPublisher: r.in_publisher,
      inGroup: r.in_group,
      handler: r.handler,
      outType: r.out_type,
      outDestination: r.out_destination,
      outConsumer: r.out_consumer,
      messages: num(r.messages),
    })),
    callbacks: callbacks.map((r) => ({
      messageType: r.message_type,
      destination: r.destination,
      consumerGroup: r.consumer_group,
      consumer: r.d_service,
      publisher: r.p_service,
      deliveries: num(r.deliveries),
      callbacks: num(r.callbacks),
    })),
    correlations: correlations.map((r) => ({ messageType: r.message_type, publishes: num(r.publishes), correlated: num(r.correlated) })),
  };
}

export interface PatternsResult extends Patterns {
  range: { from: string; to: string };
}

export async function patterns(store: Store, q: PatternsQuery): Promise<PatternsResult> {
  return {
    range: { from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString() },
    ...buildPatterns(await patternRows(store, q)),
  };
}
