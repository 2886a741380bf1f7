// Request timeline (DESIGN §1 "request", §6): everything reachable from one trace by parent/child and
// span links, in both directions, across traces. Breadth-first over traces, one depth per round:
// a round looks up the spans of other traces that link into its traces (span_links, ordered by link
// target), then reads the spans of its traces and of those linking in by trace id within their
// trace_index time bounds; the traces they link to and the traces linking in are the next depth.
// Bounded by depth and span count. Hops, clock skew and the response shape are computed in memory
// by pure functions.
//
// Fan-in (issue 13): a batch consumer links to every message of its batch. When the walk enters a
// batch through one of its links (coming from that message's producer), the batch stays in the
// request but its links to the other messages' producers are not followed: they are listed on the
// batch span as `otherMessages`, one click away. A request opened from the batch consumer's own trace
// still follows every link: all the messages it consumed are its causes.
import type { Store } from '../store/index.js';
import { typedAttributes, type AnyValue } from '../store/anyvalue.js';
import { anomaliesForTraces, type DuplicateOccurrence, type OrderingOccurrence } from './anomalies.js';
import { pairRequestHops } from './request-hops.js';
import { adjustClockSkew, spanKey, type HostAdjustment } from './skew.js';
import { loadHostClocks } from '../hops/host-clocks.js';

export interface TimelineQuery {
  traceId: string;
  /** how many link hops across traces to follow (0 = this trace only) */
  maxDepth: number;
  maxSpans: number;
  /** look up duplicates/ordering touching the request (the costliest part); default true */
  anomalies?: boolean;
  /** start from these traces at depth 0 instead of `traceId` alone (a business transaction's traces) */
  startTraceIds?: string[];
}

export const TIMELINE_DEFAULTS = { maxDepth: 10, maxSpans: 10_000 } as const;

// Spans linking into a trace are looked up by link target over the whole retention (span_links is
// ordered by link target: a key lookup per part), so a message that waited days in a queue is found.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

export interface TimelineLink {
  traceId: string;
  spanId: string;
  attributes: Record<string, JsonValue>;
  /** the other end is part of this response */
  inRequest: boolean;
  /** links in: the service of the linking span */
  service?: string;
}

export interface TimelineSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  service: string;
  host: string;
  name: string;
  kind: string;
  /** ns since the epoch, decimal strings; corrected for clock skew when skewAdjustedMs is set */
  startNs: string;
  endNs: string;
  durationMs: number;
  status: { code: string; message: string };
  attributes: Record<string, JsonValue>;
  resource: Record<string, JsonValue>;
  scope: { name: string; version: string; attributes: Record<string, JsonValue> };
  events: Array<{ name: string; timeNs: string; attributes: Record<string, JsonValue> }>;
  linksOut: TimelineLink[];
  linksIn: TimelineLink[];
  messaging?: {
    operation: string;
    system: string;
    destination: string;
    partition: string;
    offset: string | null;
    messageId: string;
    consumerGroup: string;
    key: string;
    messageType: string;
  };
  /** trace distance from the requested trace (0 = same trace) */
  depth: number;
  /** present when the span's host clock was corrected: the shift applied, in ms */
  skewAdjustedMs?: number;
  /**
   * on a batch the walk entered through one of its messages' links: the other messages of the batch
   * (their producers' spans), not followed and not part of this request
   */
  otherMessages?: { count: number; links: OtherMessageLink[] };
}

export interface OtherMessageLink {
  traceId: string;
  spanId: string;
  /** messaging.message.id from the link's attributes, when set */
  messageId?: string;
}

export interface TimelineHop {
  consumerGroup: string;
  destination: string;
  message: string;
  publish: { traceId: string; spanId: string; service: string } | null;
  deliver: { traceId: string; spanId: string; service: string };
  /** deliver start − publish end after skew correction, clamped at 0 */
  queueMs: number | null;
  /** the same from the raw (uncorrected) timestamps, may be negative */
  rawQueueMs: number | null;
}

export interface Timeline {
  traceId: string;
  traceIds: string[];
  startNs: string;
  endNs: string;
  durationMs: number;
  spanCount: number;
  services: string[];
  spans: TimelineSpan[];
  hops: TimelineHop[];
  clockSkew: Array<Omit<HostAdjustment, 'offsetNs'> & { offsetNs: string }>;
  /** duplicates and ordering inversions (anomalies.ts) with a delivery or publish in this request */
  anomalies: { duplicates: DuplicateOccurrence[]; ordering: OrderingOccurrence[] };
  truncated?: { reason: 'depth' | 'spans'; limit: number };
}

interface SpanDbRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  start_ns: string;
  duration_ns: string;
  span_name: string;
  span_kind: string;
  service_name: string;
  host: string;
  resource_key: string;
  scope_name: string;
  scope_version: string;
  span_attributes: Record<string, string>;
  attribute_types: Record<string, string>;
  status_code: string;
  status_message: string;
  event_ns: string[];
  event_names: string[];
  event_attrs: Record<string, string>[];
  link_trace_ids: string[];
  link_span_ids: string[];
  link_attrs: Record<string, string>[];
  msg_system: string;
  msg_operation: string;
  msg_destination: string;
  msg_partition: string;
  msg_offset: string | null;
  msg_message_id: string;
  msg_consumer_group: string;
  msg_key: string;
  msg_message_type: string;
}

/** A span's resource and scope attributes (`resources`), with their types. */
export interface ResourceDbRow {
  resource_key: string;
  resource_attributes: Record<string, string>;
  scope_attributes: Record<string, string>;
  attribute_types: Record<string, string>;
}

interface LinkInRow {
  link_trace_id: string;
  link_span_id: string;
  trace_id: string;
  span_id: string;
  service_name: string;
  attributes: Record<string, string>;
}

/** A typed OTLP value as plain JSON: int64 as a number when exact, else as a decimal string. */
export function jsonValue(v: AnyValue): JsonValue {
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : v.intValue;
  }
  if ('doubleValue' in v) return typeof v.doubleValue === 'number' && Number.isFinite(v.doubleValue) ? v.doubleValue : String(v.doubleValue);
  if ('bytesValue' in v) return v.bytesValue;
  if ('arrayValue' in v) return v.arrayValue.values.map(jsonValue);
  if ('kvlistValue' in v) return Object.fromEntries(v.kvlistValue.values.map((kv) => [kv.key, jsonValue(kv.value)]));
  return null;
}

function attrs(values: Record<string, string>, types: Record<string, string>, prefix: string): Record<string, JsonValue> {
  const typed = typedAttributes(values, types, prefix);
  const out: Record<string, JsonValue> = {};
  for (const k of Object.keys(typed).sort()) out[k] = jsonValue(typed[k]!);
  return out;
}

const SPAN_COLUMNS = `
  trace_id, span_id, parent_span_id, toString(toUnixTimestamp64Nano(timestamp)) AS start_ns, duration_ns,
  span_name, span_kind, service_name, host, toString(resource_key) AS resource_key, scope_name, scope_version,
  span_attributes, attribute_types, status_code, status_message,
  arrayMap(t -> toString(toUnixTimestamp64Nano(t)), events.timestamp) AS event_ns,
  events.name AS event_names, events.attributes AS event_attrs,
  links.trace_id AS link_trace_ids, links.span_id AS link_span_ids, links.attributes AS link_attrs,
  msg_system, msg_operation, msg_destination, msg_partition, msg_offset, msg_message_id,
  msg_consumer_group, msg_key, msg_message_type`;

// A round's spans query takes its traces' time bounds from trace_index in a scalar subquery, so it
// is two key lookups and the spans scan stays inside the traces' own time range.
const BOUNDS = (db: string) =>
  `(SELECT (min(start), max(end)) FROM ${db}.trace_index WHERE trace_id IN {ids:Array(String)})`;

/** Returns null when the trace is not stored. */
export async function requestTimeline(store: Store, q: TimelineQuery): Promise<Timeline | null> {
  const db = store.database;
  const spans = new Map<string, SpanDbRow>();
  const depthOf = new Map<string, number>(); // trace id → depth
  const linksIn: LinkInRow[] = [];
  // spans that brought their trace into the request through one of their own links
  const entries = new Set<string>();
  const batches = new Map<string, string[]>(); // batch span key → member span keys
  // traces at this depth whose spans are still to be read, and those whose spans are in hand (read
  // in the round before, beside the traces that brought them in: see below)
  let unread = q.startTraceIds?.length ? [...q.startTraceIds].sort() : [q.traceId];
  let inHand: string[] = [];
  const rowsOf = new Map<string, SpanDbRow[]>(); // trace id → its spans in the request
  // independent of the walk: fetched beside it
  const clocksLoaded = loadHostClocks(store);
  let prefetch: { ids: string[]; fromNs: bigint; toNs: bigint } | undefined;
  let prefetched: { ids: Set<string>; result: ReturnType<typeof anomaliesNear> } | undefined;
  clocksLoaded.catch(() => {});
  let truncated: Timeline['truncated'];

  // Breadth-first by depth. A round looks up the spans linking into its traces first (span_links,
  // by link target), then reads in one query the spans of its own unread traces and of the new
  // traces linking in (the next depth's, in hand for the next round): a request whose messages are
  // consumed in other traces costs a links lookup and one spans read per depth, not two of each.
  for (let depth = 0; unread.length > 0 || inHand.length > 0; depth++) {
    if (depth > q.maxDepth) {
      truncated = { reason: 'depth', limit: q.maxDepth };
      break;
    }
    for (const t of unread) depthOf.set(t, depth);
    const incomingLoaded = store.query<LinkInRow>(
      `SELECT link_trace_id, link_span_id, trace_id, span_id, service_name, attributes
         FROM ${db}.span_links
        WHERE link_trace_id IN {ids:Array(String)}
        LIMIT 1 BY link_trace_id, link_span_id, trace_id, span_id`,
      { name: 'timeline:links-in', params: { ids: [...unread, ...inHand] } },
    );
    // after the first round the request's traces are mostly known: its anomalies are looked up
    // beside the rest of the walk, once this round's first query has its lane (again at the end if
    // the walk found traces beyond these)
    if (prefetch) {
      prefetched = { ids: new Set(prefetch.ids), result: anomaliesNear(store, prefetch.ids, prefetch.fromNs, prefetch.toNs) };
      prefetched.result.catch(() => {});
      prefetch = undefined;
    }
    const incoming = await incomingLoaded;
    linksIn.push(...incoming);
    const linking = [...new Set(incoming.map((l) => l.trace_id).filter((t) => !depthOf.has(t)))].sort();
    const deeper = depth + 1 <= q.maxDepth ? linking : [];
    if (linking.length > deeper.length) truncated = { reason: 'depth', limit: q.maxDepth };
    const budget = q.maxSpans - spans.size;
    const ids = [...unread, ...deeper];
    const rows =
      ids.length === 0
        ? []
        : await store.query<SpanDbRow>(
            `WITH ${BOUNDS(db)} AS b
             SELECT ${SPAN_COLUMNS}
               FROM ${db}.spans
              WHERE trace_id IN {ids:Array(String)} AND timestamp >= b.1 AND timestamp <= b.2
              ORDER BY timestamp, span_id
              LIMIT 1 BY trace_id, span_id
              LIMIT {limit:UInt32}`,
            { name: 'timeline:spans', params: { ids, limit: budget + 1 } },
          );
    if (depth === 0 && !rows.some((r) => depthOf.get(r.trace_id) === 0)) return null;
    const take = rows.slice(0, Math.max(0, budget));
    for (const r of take) {
      spans.set(spanKey(r.trace_id, r.span_id), r);
      let list = rowsOf.get(r.trace_id);
      if (!list) rowsOf.set(r.trace_id, (list = []));
      list.push(r);
    }
    // a trace that came in through one of its spans' links: that span is its entry (fan-in below)
    const entered = new Set(deeper);
    for (const t of deeper) depthOf.set(t, depth + 1);
    for (const l of incoming) if (entered.has(l.trace_id)) entries.add(spanKey(l.trace_id, l.span_id));
    if (rows.length > budget) {
      truncated = { reason: 'spans', limit: q.maxSpans };
      break;
    }
    // this depth's spans: those just read and those read in the round before
    const round = [...unread, ...inHand].flatMap((t) => rowsOf.get(t) ?? []);
    const found = fanInBatches(round, entries);
    for (const [k, members] of found) batches.set(k, members);
    const notFollowed = new Set([...found.values()].flat());
    const next = new Set<string>();
    for (const r of round) {
      if (notFollowed.has(spanKey(r.trace_id, r.span_id))) continue;
      for (const t of r.link_trace_ids) if (!depthOf.has(t)) next.add(t);
    }
    unread = [...next].sort();
    inHand = deeper;
    if (depth === 0 && q.anomalies !== false && take.length > 0) {
      const { fromNs, toNs } = extentOf(take);
      prefetch = { ids: [...new Set([...depthOf.keys(), ...unread])], fromNs: fromNs!, toNs: toNs! };
    }
  }

  const list = [...spans.values()];
  const clocks = await clocksLoaded;
  const traceIds = [...new Set(list.map((r) => r.trace_id))];
  const { fromNs: rawFrom, toNs: rawTo } = extentOf(list);
  const [resources, anomalies] = await Promise.all([
    resourcesOf(store, list),
    q.anomalies === false || rawFrom === undefined
      ? undefined
      : prefetched && traceIds.every((t) => prefetched!.ids.has(t))
        ? prefetched.result.then((a) => onlyTouching(a, traceIds))
        : anomaliesNear(store, traceIds, rawFrom, rawTo!),
  ]);
  const known = new Map(clocks.hosts.map((h, i) => [h, clocks.offsetsNs[i]!]));
  const skew = adjustClockSkew(
    list.map((r) => ({
      traceId: r.trace_id,
      spanId: r.span_id,
      parentSpanId: r.parent_span_id,
      host: r.host,
      kind: r.span_kind,
      operation: r.msg_operation,
      startNs: BigInt(r.start_ns),
      endNs: BigInt(r.start_ns) + BigInt(r.duration_ns),
    })),
    known,
  );
  const timeline = assembleTimeline(q.traceId, list, linksIn, depthOf, skew, truncated, resources, batches);
  if (anomalies) timeline.anomalies = anomalies;
  return timeline;
}

/** The earliest start and the latest end of the rows (raw clocks), ns; undefined for none. */
function extentOf(rows: ReadonlyArray<{ start_ns: string; duration_ns: string }>): { fromNs?: bigint; toNs?: bigint } {
  let fromNs: bigint | undefined;
  let toNs: bigint | undefined;
  for (const r of rows) {
    const a = BigInt(r.start_ns);
    const b = a + BigInt(r.duration_ns);
    if (fromNs === undefined || a < fromNs) fromNs = a;
    if (toNs === undefined || b > toNs) toNs = b;
  }
  return { fromNs, toNs };
}

/**
 * A request's anomalies: those touching its traces (anomalies.ts, by trace id), within an hour of
 * its spans' raw times — the trace ids make the answer; the margin (more than any clock
 * correction) only bounds what is read.
 */
function anomaliesNear(store: Store, traceIds: string[], fromNs: bigint, toNs: bigint) {
  return anomaliesForTraces(store, {
    traceIds,
    fromMs: Number(fromNs / 1_000_000n) - ANOMALY_MARGIN_MS,
    toMs: Number(toNs / 1_000_000n) + ANOMALY_MARGIN_MS,
  });
}
const ANOMALY_MARGIN_MS = 3_600_000;

/** The occurrences of an answer for more traces that touch one of these. */
function onlyTouching(a: Awaited<ReturnType<typeof anomaliesForTraces>>, traceIds: string[]) {
  const wanted = new Set(traceIds);
  const touches = (o: { traceIds: string[] }) => o.traceIds.some((t) => wanted.has(t));
  return { duplicates: a.duplicates.filter(touches), ordering: a.ordering.filter(touches) };
}

/**
 * The resource rows of the spans, by key, from the days the spans fall on (a resource row is written
 * for each day of its spans).
 */
async function resourcesOf(store: Store, rows: SpanDbRow[]): Promise<Map<string, ResourceDbRow>> {
  if (rows.length === 0) return new Map();
  const out = new Map<string, ResourceDbRow>();
  const missing = new Set<string>();
  for (const r of rows) {
    const known = resourceCache.get(`${store.database}\u0000${r.resource_key}`);
    if (known) out.set(r.resource_key, known);
    else missing.add(r.resource_key);
  }
  if (missing.size === 0) return out;
  const keys = [...missing];
  let min = BigInt(rows[0]!.start_ns);
  let max = min;
  for (const r of rows) {
    const t = BigInt(r.start_ns);
    if (t < min) min = t;
    if (t > max) max = t;
  }
  const found = await store.query<ResourceDbRow>(
    `SELECT toString(resource_key) AS resource_key, resource_attributes, scope_attributes, attribute_types
       FROM ${store.database}.resources
      WHERE resource_key IN (SELECT toUInt64(arrayJoin({keys:Array(String)})))
        AND day >= toDate(fromUnixTimestamp64Nano({from:Int64})) AND day <= toDate(fromUnixTimestamp64Nano({to:Int64}))
      LIMIT 1 BY resource_key`,
    { name: 'timeline:resources', params: { keys, from: min.toString(), to: max.toString() } },
  );
  if (resourceCache.size + found.length > RESOURCE_CACHE_SIZE) resourceCache.clear();
  for (const r of found) {
    resourceCache.set(`${store.database}\u0000${r.resource_key}`, r);
    out.set(r.resource_key, r);
  }
  return out;
}

/**
 * Resource rows by key: the key is a hash of the resource and scope attributes (collector/otlp/
 * decode.ts resourceKey), so a row never changes and a timeline of the same services reads none.
 */
const resourceCache = new Map<string, ResourceDbRow>();
const RESOURCE_CACHE_SIZE = 10_000;

/** The part of a span row the fan-in rule reads. */
export interface FanInRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  link_trace_ids: string[];
}

/**
 * The batches among one round's spans that the walk entered through one of their messages' links:
 * batch span key → the keys of the spans whose links are the batch's messages (not followed further).
 * Two shapes: one span with a link per message (kafkajs eachBatch with a link list), or a receive
 * span whose children each link to one message (kafkajs eachBatch with a process span per message);
 * an entry span with one link and no linking siblings is no batch.
 */
export function fanInBatches(rows: FanInRow[], entries: Set<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const byKey = new Map(rows.map((r) => [spanKey(r.trace_id, r.span_id), r]));
  const linkingChildren = new Map<string, string[]>(); // parent key → children with links
  for (const r of rows) {
    if (!r.parent_span_id || r.link_trace_ids.length === 0) continue;
    const pk = spanKey(r.trace_id, r.parent_span_id);
    let list = linkingChildren.get(pk);
    if (!list) linkingChildren.set(pk, (list = []));
    list.push(spanKey(r.trace_id, r.span_id));
  }
  for (const [key, r] of byKey) {
    if (!entries.has(key)) continue;
    if (r.link_trace_ids.length >= 2) {
      out.set(key, [...new Set([...(out.get(key) ?? []), key])]);
      continue;
    }
    const pk = spanKey(r.trace_id, r.parent_span_id);
    const siblings = r.parent_span_id ? (linkingChildren.get(pk) ?? []) : [];
    if (siblings.length >= 2 && byKey.has(pk)) out.set(pk, [...new Set([...(out.get(pk) ?? []), ...siblings])]);
  }
  return out;
}

const NO_RESOURCE: ResourceDbRow = { resource_key: '', resource_attributes: {}, scope_attributes: {}, attribute_types: {} };

/** Shapes the response: spans in start order with links both ways, hops with corrected queue time. */
export function assembleTimeline(
  traceId: string,
  rows: SpanDbRow[],
  linksIn: LinkInRow[],
  depthOf: Map<string, number>,
  skew: ReturnType<typeof adjustClockSkew>,
  truncated: Timeline['truncated'],
  resources: Map<string, ResourceDbRow> = new Map(),
  batches: Map<string, string[]> = new Map(),
): Timeline {
  const inRequest = new Set(rows.map((r) => spanKey(r.trace_id, r.span_id)));
  const byKey = new Map(rows.map((r) => [spanKey(r.trace_id, r.span_id), r]));
  const incoming = new Map<string, TimelineLink[]>();
  for (const l of linksIn) {
    const key = spanKey(l.link_trace_id, l.link_span_id);
    let list = incoming.get(key);
    if (!list) incoming.set(key, (list = []));
    list.push({
      traceId: l.trace_id,
      spanId: l.span_id,
      service: l.service_name,
      attributes: attrs(l.attributes, {}, ''),
      inRequest: inRequest.has(spanKey(l.trace_id, l.span_id)),
    });
  }

  const spans: TimelineSpan[] = rows.map((r) => {
    const key = spanKey(r.trace_id, r.span_id);
    const offset = skew.spanOffsetNs.get(key) ?? 0n;
    const start = BigInt(r.start_ns) + offset;
    const end = start + BigInt(r.duration_ns);
    const res = resources.get(r.resource_key) ?? NO_RESOURCE;
    const span: TimelineSpan = {
      traceId: r.trace_id,
      spanId: r.span_id,
      parentSpanId: r.parent_span_id,
      service: r.service_name,
      host: r.host,
      name: r.span_name,
      kind: r.span_kind,
      startNs: start.toString(),
      endNs: end.toString(),
      durationMs: Number(r.duration_ns) / 1e6,
      status: { code: r.status_code, message: r.status_message },
      attributes: attrs(r.span_attributes, r.attribute_types, 'span.'),
      resource: attrs(res.resource_attributes, res.attribute_types, 'resource.'),
      scope: { name: r.scope_name, version: r.scope_version, attributes: attrs(res.scope_attributes, res.attribute_types, 'scope.') },
      events: r.event_names.map((name, i) => ({
        name,
        timeNs: (BigInt(r.event_ns[i]!) + offset).toString(),
        attributes: attrs(r.event_attrs[i] ?? {}, r.attribute_types, `event.${i}.`),
      })),
      linksOut: r.link_trace_ids.map((t, i) => ({
        traceId: t,
        spanId: r.link_span_ids[i]!,
        attributes: attrs(r.link_attrs[i] ?? {}, r.attribute_types, `link.${i}.`),
        inRequest: inRequest.has(spanKey(t, r.link_span_ids[i]!)),
      })),
      linksIn: (incoming.get(key) ?? []).sort((a, b) => a.traceId.localeCompare(b.traceId) || a.spanId.localeCompare(b.spanId)),
      depth: depthOf.get(r.trace_id) ?? 0,
    };
    if (r.msg_operation) {
      span.messaging = {
        operation: r.msg_operation,
        system: r.msg_system,
        destination: r.msg_destination,
        partition: r.msg_partition,
        offset: r.msg_offset,
        messageId: r.msg_message_id,
        consumerGroup: r.msg_consumer_group,
        key: r.msg_key,
        messageType: r.msg_message_type,
      };
    }
    if (offset !== 0n) span.skewAdjustedMs = Number(offset) / 1e6;
    const members = batches.get(key);
    if (members) {
      const others = otherMessagesOf(members.map((m) => byKey.get(m)).filter((m) => m !== undefined), inRequest);
      if (others.length) span.otherMessages = { count: others.length, links: others };
    }
    return span;
  });
  spans.sort((a, b) => {
    const d = BigInt(a.startNs) - BigInt(b.startNs);
    return d < 0n ? -1 : d > 0n ? 1 : a.spanId.localeCompare(b.spanId);
  });

  const hopInput = (raw: boolean) =>
    rows.map((r) => {
      const start = BigInt(r.start_ns) + (raw ? 0n : (skew.spanOffsetNs.get(spanKey(r.trace_id, r.span_id)) ?? 0n));
      return {
        traceId: r.trace_id,
        spanId: r.span_id,
        parentSpanId: r.parent_span_id,
        service: r.service_name,
        operation: r.msg_operation,
        destination: r.msg_destination,
        partition: r.msg_partition,
        offset: r.msg_offset,
        messageId: r.msg_message_id,
        consumerGroup: r.msg_consumer_group,
        startNs: start,
        endNs: start + BigInt(r.duration_ns),
        links: r.link_trace_ids.map((t, i) => ({ traceId: t, spanId: r.link_span_ids[i]! })),
      };
    });
  const rawHops = pairRequestHops(hopInput(true));
  const timelineHops: TimelineHop[] = pairRequestHops(hopInput(false)).map((h, i) => ({
    ...h,
    queueMs: h.queueMs === null ? null : Math.max(0, h.queueMs),
    rawQueueMs: rawHops[i]!.queueMs,
  }));

  let start = 0n;
  let end = 0n;
  for (const [i, s] of spans.entries()) {
    const a = BigInt(s.startNs);
    const b = BigInt(s.endNs);
    if (i === 0 || a < start) start = a;
    if (i === 0 || b > end) end = b;
  }
  const result: Timeline = {
    traceId,
    traceIds: [...new Set(spans.map((s) => s.traceId))].sort((a, b) => (depthOf.get(a) ?? 0) - (depthOf.get(b) ?? 0) || a.localeCompare(b)),
    startNs: start.toString(),
    endNs: end.toString(),
    durationMs: Number(end - start) / 1e6,
    spanCount: spans.length,
    services: [...new Set(spans.map((s) => s.service))].sort(),
    spans,
    hops: timelineHops,
    clockSkew: skew.hosts.map((h) => ({ host: h.host, offsetNs: h.offsetNs.toString(), offsetMs: h.offsetMs, basis: h.basis })),
    anomalies: { duplicates: [], ordering: [] },
  };
  if (truncated) result.truncated = truncated;
  return result;
}

/** The links of a batch's member spans that point outside the request, in link order, once each. */
function otherMessagesOf(members: SpanDbRow[], inRequest: Set<string>): OtherMessageLink[] {
  const seen = new Set<string>();
  const out: OtherMessageLink[] = [];
  for (const m of members) {
    m.link_trace_ids.forEach((traceId, i) => {
      const spanId = m.link_span_ids[i]!;
      const k = spanKey(traceId, spanId);
      if (inRequest.has(k) || seen.has(k)) return;
      seen.add(k);
      const a = m.link_attrs[i] ?? {};
      const messageId = a['messaging.message.id'] || a['messaging.message_id'];
      out.push(messageId ? { traceId, spanId, messageId } : { traceId, spanId });
    });
  }
  return out;
}
