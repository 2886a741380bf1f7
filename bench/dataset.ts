// The query benchmark's data, generated inside the engine (INSERT … SELECT FROM numbers(): the fast
// path, no HTTP, decoding or normalization) with the trace model of workload.ts, already in the
// normalized row shape the collector writes: ten services, ten destinations, consumer groups, six
// partitions per destination with offsets, a link-only batch consumer, and on purpose
//   - a second delivery after success to the same group for 1 trace in 500 (duplicate),
//   - an exporter resend (identical row) for 1 in 300 (must not count as a duplicate),
//   - a consumer delayed by 2 minutes for 1 in 700 (ordering inversion within its partition),
//   - a failing database call for 1 in 50.
// Trace n of a phase starts at baseNs + (n − first) · spacingNs + shiftNs; phases interleave so
// every scale spreads evenly over the same 24 hours.
import type { Store } from '../lib/store/index.js';
import { DESTINATIONS, PARTITIONS, SERVICES } from './workload.js';

export interface Phase {
  firstTrace: number;
  traces: number;
  baseNs: bigint;
  spacingNs: bigint;
  shiftNs: bigint;
}

/** Spans per trace on average: 10, plus the duplicate deliveries and resends. */
export const SPANS_PER_TRACE = 10 + 1 / 500 + 1 / 300;

const list = (xs: string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
const hex64 = (expr: string) => `leftPad(lower(hex(${expr})), 16, '0')`;

/** One resource (and scope) per service, as an SDK would send it: the key the spans refer to. */
const RESOURCE_KEY = (service: string) => `cityHash64('bench-resource', ${service})`;

// The resources of every service for the days [firstDay, lastDay] (days since the epoch).
const RESOURCES_SQL = (db: string) => `
INSERT INTO ${db}.resources (resource_key, service_name, resource_attributes, scope_name, scope_version, scope_attributes,
  attribute_types, day)
SELECT ${RESOURCE_KEY('service_name')}, service_name,
  map('service.name', service_name, 'service.version', '2.14.1', 'service.instance.id', concat(service_name, '-7f3c9a1e'),
      'host.name', concat(service_name, '-7d9f8b6c5-x2k4q'), 'deployment.environment.name', 'production',
      'process.runtime.name', 'nodejs', 'process.runtime.version', '20.20.2', 'telemetry.sdk.language', 'nodejs',
      'telemetry.sdk.name', 'opentelemetry', 'telemetry.sdk.version', '2.12.1'),
  '@opentelemetry/instrumentation-kafkajs', '0.14.0', map(), map(), toDate(day)
FROM (SELECT arrayJoin(${list(SERVICES)}) AS service_name) AS s
CROSS JOIN (SELECT toUInt16({firstDay:UInt32} + number) AS day FROM numbers({days:UInt32})) AS d`;

const INSERT_SQL = (db: string) => `
INSERT INTO ${db}.spans (timestamp, duration_ns, trace_id, span_id, parent_span_id, trace_state, flags, span_name,
  span_kind, service_name, host, resource_key, scope_name, scope_version, span_attributes, attribute_types,
  status_code, status_message, \`events.timestamp\`, \`events.name\`, \`events.attributes\`, \`links.trace_id\`,
  \`links.span_id\`, \`links.trace_state\`, \`links.attributes\`, msg_system, msg_operation, msg_destination,
  msg_partition, msg_offset, msg_message_id, msg_consumer_group, msg_key, msg_conversation_id, msg_message_type,
  peer_name, peer_kind)
SELECT
  fromUnixTimestamp64Nano(start_ns) AS timestamp,
  toUInt64(dur_ns) AS duration_ns,
  tid AS trace_id,
  ${hex64('cityHash64(n, sk, 3)')} AS span_id,
  multiIf(sk IN (1), ${hex64('cityHash64(n, 0, 3)')}, sk = 2, ${hex64('cityHash64(n, 1, 3)')},
          sk IN (3, 4), ${hex64('cityHash64(n, 2, 3)')}, sk IN (5, 10), ${hex64('cityHash64(n, 4, 3)')},
          sk IN (6, 7), ${hex64('cityHash64(n, 5, 3)')}, sk = 9, ${hex64('cityHash64(n, 7, 3)')}, '') AS parent_span_id,
  '' AS trace_state,
  1 AS flags,
  multiIf(sk = 0, 'POST /api/orders', sk = 1, 'POST', sk = 2, concat('POST /internal/', dest), sk = 3, 'SELECT shop.orders',
          sk = 4, concat(dest, ' publish'), sk IN (5, 10), concat(dest, ' process'), sk = 6, 'UPDATE shop.stock',
          sk = 7, concat('handle ', dest), sk = 8, concat(pair_dest, ' process'), concat(dest2, ' publish')) AS span_name,
  multiIf(sk IN (0, 2), 'SERVER', sk IN (1, 3, 6), 'CLIENT', sk IN (4, 9), 'PRODUCER', sk = 7, 'INTERNAL', 'CONSUMER') AS span_kind,
  multiIf(sk IN (0, 1), 'gateway', sk IN (2, 3, 4), producer, sk = 8, pair_cb, ca) AS service_name,
  concat(service_name, '-7d9f8b6c5-x2k4q') AS host,
  ${RESOURCE_KEY('service_name')} AS resource_key,
  '@opentelemetry/instrumentation-kafkajs' AS scope_name,
  '0.14.0' AS scope_version,
  multiIf(
    sk IN (0, 1, 2), map('http.request.method', 'POST', 'http.route', if(sk = 0, '/api/orders', concat('/internal/', dest)),
      'url.scheme', 'https', 'http.response.status_code', if(sk = 0, '201', '200'), 'network.protocol.version', '1.1',
      'server.address', if(sk = 1, producer, 'shop.example.com'), 'server.port', '443',
      'client.address', concat('10.1.', toString(n % 250), '.', toString(n % 200)),
      'user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36'),
    sk IN (3, 6), map('db.system.name', 'postgresql', 'db.namespace', 'shop', 'db.operation.name', if(sk = 3, 'SELECT', 'UPDATE'),
      'db.collection.name', if(sk = 3, 'orders', 'stock'),
      'db.query.text', if(sk = 3, 'SELECT id, status, total FROM orders WHERE customer_id = $1 LIMIT 50', 'UPDATE stock SET reserved = reserved + $1 WHERE sku = $2'),
      'server.address', 'pg-primary', 'server.port', '5432', 'network.peer.address', '10.0.0.12',
      'db.response.returned_rows', toString(n % 50), 'db.client.connection.pool.name', 'main'),
    sk = 7, map('app.order.id', concat('ord-', toString(n)), 'app.order.total', '129.95', 'app.order.items', toString(1 + n % 7),
      'app.customer.tier', if(n % 3 = 0, 'gold', 'silver'), 'app.feature.new_pricing', if(n % 2 = 0, 'true', 'false'),
      'app.currency', 'EUR', 'app.region', 'eu-west-1', 'app.retry', '0', 'app.cache.hit', 'false', 'code.function.name', 'handleMessage'),
    sk = 8, map('messaging.system', 'kafka', 'messaging.operation.type', 'process', 'messaging.operation.name', 'process',
      'messaging.destination.name', pair_dest, 'messaging.destination.partition.id', toString(pair_part),
      'messaging.consumer.group.name', concat(pair_cb, '-group'), 'messaging.batch.message_count', '1',
      'messaging.client.id', concat('client-', toString(n % 4)), 'server.address', 'kafka-0.kafka', 'server.port', '9092'),
    map('messaging.system', 'kafka', 'messaging.operation.type', if(sk IN (4, 9), 'send', 'process'),
      'messaging.operation.name', if(sk IN (4, 9), 'publish', 'process'),
      'messaging.destination.name', msg_destination, 'messaging.destination.partition.id', msg_partition,
      'messaging.kafka.offset', toString(off), 'messaging.message.id', msg_message_id, 'messaging.kafka.message.key', msg_key,
      'messaging.client.id', concat('client-', toString(n % 4)),
      if(sk IN (4, 9), 'server.address', 'messaging.consumer.group.name'), if(sk IN (4, 9), 'kafka-0.kafka', concat(ca, '-group')))
  ) AS span_attributes,
  multiIf(sk IN (0, 1, 2), map('span.http.response.status_code', 'int', 'span.server.port', 'int'),
          sk IN (3, 6), map('span.server.port', 'int', 'span.db.response.returned_rows', 'int'),
          sk = 7, map('span.app.order.total', 'double', 'span.app.order.items', 'int', 'span.app.feature.new_pricing', 'bool',
                      'span.app.retry', 'int', 'span.app.cache.hit', 'bool'),
          sk = 8, map('span.messaging.batch.message_count', 'int', 'span.server.port', 'int'),
          map('span.messaging.kafka.offset', 'int')) AS attribute_types,
  if(sk = 6 AND n % 50 = 0, 'ERROR', 'UNSET') AS status_code,
  if(sk = 6 AND n % 50 = 0, 'deadlock detected', '') AS status_message,
  if(sk = 6, [fromUnixTimestamp64Nano(start_ns + 1000000)], []) AS \`events.timestamp\`,
  if(sk = 6, ['cache miss'], []) AS \`events.name\`,
  if(sk = 6, [map('cache.key', concat('stock:', toString(n % 1000)))], []) AS \`events.attributes\`,
  if(sk = 8, [pair_tid], []) AS \`links.trace_id\`,
  if(sk = 8, [${hex64('cityHash64(pair, 4, 3)')}], []) AS \`links.span_id\`,
  if(sk = 8, [''], []) AS \`links.trace_state\`,
  if(sk = 8, [map('messaging.message.id', concat('m-', toString(pair), '-4'))], []) AS \`links.attributes\`,
  if(sk IN (4, 5, 8, 9, 10), 'kafka', '') AS msg_system,
  multiIf(sk IN (4, 9), 'send', sk IN (5, 8, 10), 'process', '') AS msg_operation,
  multiIf(sk IN (4, 5, 10), dest, sk = 9, dest2, sk = 8, pair_dest, '') AS msg_destination,
  multiIf(sk IN (4, 5, 10), toString(part), sk = 9, toString((n + 1) % ${PARTITIONS}), sk = 8, toString(pair_part), '') AS msg_partition,
  if(sk IN (4, 5, 9, 10), toNullable(toInt64(off)), NULL) AS msg_offset,
  multiIf(sk IN (4, 5, 10), concat('m-', toString(n), '-4'), sk = 9, concat('m-', toString(n), '-9'),
          sk = 8, concat('m-', toString(pair), '-4'), '') AS msg_message_id,
  multiIf(sk IN (5, 10), concat(ca, '-group'), sk = 8, concat(pair_cb, '-group'), '') AS msg_consumer_group,
  if(sk IN (4, 5, 9, 10), concat('customer-', toString(n % 97)), '') AS msg_key,
  '' AS msg_conversation_id,
  msg_destination AS msg_message_type,
  multiIf(sk = 1, concat(producer, ':443'), sk IN (3, 6), 'postgresql shop', '') AS peer_name,
  multiIf(sk = 1, 'http', sk IN (3, 6), 'database', '') AS peer_kind
FROM (
  SELECT *, if(k = 11, 5, k) AS sk,
    t0 + multiIf(sk = 0, 0, sk = 1, 2, sk = 2, 5, sk = 3, 8, sk = 4, 20, sk = 5, 22 + q, sk = 6, 24 + q, sk = 7, 28 + q,
                 sk = 8, 1000 + n % 500, sk = 9, 30 + q, 3022 + q) * 1000000 AS start_ns,
    multiIf(sk = 0, 60, sk = 1, 50, sk = 2, 40, sk = 3, 5, sk = 4, 2, sk IN (5, 10), 15, sk = 6, 3, sk = 7, 5, sk = 8, 30, 1) * 1000000 AS dur_ns
  FROM (
    SELECT number AS n,
      bitXor(n, 1) AS pair,
      n % 10 AS d,
      intDiv(n, 10) % ${PARTITIONS} AS part,
      ${list(DESTINATIONS)} AS dests,
      ${list(SERVICES)} AS svcs,
      dests[d + 1] AS dest,
      dests[(d + 1) % 10 + 1] AS dest2,
      dests[pair % 10 + 1] AS pair_dest,
      intDiv(pair, 10) % ${PARTITIONS} AS pair_part,
      svcs[2 + d % 9] AS producer,
      svcs[2 + (d + 3) % 9] AS ca,
      svcs[2 + (pair % 10 + 5) % 9] AS pair_cb,
      concat(${hex64('cityHash64(n, 1)')}, ${hex64('cityHash64(n, 2)')}) AS tid,
      concat(${hex64('cityHash64(pair, 1)')}, ${hex64('cityHash64(pair, 2)')}) AS pair_tid,
      toInt64({baseNs:Int64} + (n - {first:UInt64}) * {spacingNs:Int64} + {shiftNs:Int64}) AS t0,
      intDiv(t0 - {baseNs:Int64}, 1000000) AS off,
      3 + n % 40 + if(n % 700 = 9, 120000, 0) AS q
    FROM numbers({chunkFirst:UInt64}, {count:UInt64})
  )
  ARRAY JOIN arrayConcat(range(10), if(n % 500 = 3, [10], []), if(n % 300 = 5, [11], [])) AS k
)`;

/**
 * Traces per INSERT when the pairing pass (lib/hops/pairing.ts) will read the data. Every row of one
 * INSERT gets the same `messaging_spans.ingested_at` (its DEFAULT now64(3)), and a pass never cuts
 * inside one millisecond of inserts: a chunk whose messaging spans exceed the pass's bound
 * (200,000) would be paired in one oversized pass. 20,000 traces = 200,000 spans, 80,000 of them
 * messaging spans; the collector's own batches are 20,000 spans.
 */
export const PAIRABLE_CHUNK_TRACES = 20_000;

/** Inserts one phase in chunks of traces (bounded memory); returns the spans written. */
export async function generatePhase(store: Store, phase: Phase, chunkTraces = 100_000): Promise<number> {
  // resources first, like the collector: every span's resource row exists (a day either side is spare)
  const dayNs = 86_400_000_000_000n;
  const first = (phase.baseNs + phase.shiftNs) / dayNs - 1n;
  const last = (phase.baseNs + phase.shiftNs + BigInt(phase.traces) * phase.spacingNs) / dayNs + 1n;
  await store.command(RESOURCES_SQL(store.database), {
    name: 'bench:resources',
    params: { firstDay: first.toString(), days: (last - first + 1n).toString() },
  });
  for (let first = phase.firstTrace; first < phase.firstTrace + phase.traces; first += chunkTraces) {
    await store.command(INSERT_SQL(store.database), {
      name: 'bench:generate',
      params: {
        first: phase.firstTrace,
        chunkFirst: first,
        count: Math.min(chunkTraces, phase.firstTrace + phase.traces - first),
        baseNs: phase.baseNs.toString(),
        spacingNs: phase.spacingNs.toString(),
        shiftNs: phase.shiftNs.toString(),
      },
    });
  }
  return Math.round(phase.traces * SPANS_PER_TRACE);
}
