// Business transactions (DESIGN §1, §6; issue 13): every span of every trace that touched one business
// key value (order.id=o-1), on one timeline, even where trace context was lost. The key's spans are a
// key lookup in `business_keys` (migration 013, written beside the spans); their traces are the start
// of the request walk (timeline.ts, links followed both ways); the pure `buildTransaction` turns the
// timeline into steps in order and the places where the context broke.
import type { Store } from '../store/index.js';
import { requestTimeline, TIMELINE_DEFAULTS, type Timeline, type TimelineSpan } from './timeline.js';

const nsToMs = (ns: bigint): number => Number(ns) / 1e6;

export interface TransactionQuery {
  key: string;
  value: string;
  fromMs: number;
  toMs: number;
  /** most traces carrying the key that are read (the oldest first) */
  maxTraces: number;
}

export const TRANSACTION_DEFAULTS = { maxTraces: 500 } as const;

export type StepKind = 'entry' | 'publish' | 'deliver';

export interface TransactionStep {
  index: number;
  kind: StepKind;
  /** the message type (else destination) of a messaging step; the span name of an entry */
  label: string;
  destination: string;
  consumerGroup: string;
  service: string;
  traceId: string;
  spanId: string;
  startNs: string;
  durationMs: number;
  /** deliver steps: publish end → deliver start, when the publish is known */
  queueMs: number | null;
  /** the span itself carries the business key (else it is in the transaction through its trace) */
  carriesKey: boolean;
  error: boolean;
  /** which context island (traces joined by parent/child or links) the step belongs to, 0 = first */
  segment: number;
}

export interface TransactionBreak {
  /** the island that starts here: traces that neither link to nor are linked from the earlier ones */
  segment: number;
  traceIds: string[];
  /** the last step before the break (null when the island started before anything else) */
  before: TransactionStep | null;
  after: TransactionStep;
  gapMs: number | null;
  explanation: string;
}

export interface Transaction {
  key: string;
  value: string;
  traceIds: string[];
  services: string[];
  startNs: string;
  endNs: string;
  durationMs: number;
  /** spans carrying the key (span or resource attribute) */
  keySpanCount: number;
  steps: TransactionStep[];
  breaks: TransactionBreak[];
  timeline: Timeline;
  truncated?: { reason: 'traces' | 'depth' | 'spans'; limit: number };
}

interface KeyRow {
  trace_id: string;
  span_id: string;
}

/** Null when no stored span carries key=value in the range. */
export async function transaction(store: Store, q: TransactionQuery): Promise<Transaction | null> {
  const rows = await store.query<KeyRow>(
    `SELECT trace_id, span_id FROM ${store.database}.business_keys
      WHERE key = {key:String} AND value = {value:String}
        AND timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND timestamp <= fromUnixTimestamp64Milli({to:Int64})
      ORDER BY timestamp
      LIMIT 1 BY trace_id, span_id
      LIMIT {limit:UInt32}`,
    { name: 'transactions:keys', params: { key: q.key, value: q.value, from: q.fromMs, to: q.toMs, limit: q.maxTraces * 50 } },
  );
  if (rows.length === 0) return null;
  const traces: string[] = [];
  for (const r of rows) if (!traces.includes(r.trace_id)) traces.push(r.trace_id);
  const kept = traces.slice(0, q.maxTraces);
  const timeline = await requestTimeline(store, {
    traceId: kept[0]!,
    startTraceIds: kept,
    maxDepth: TIMELINE_DEFAULTS.maxDepth,
    maxSpans: TIMELINE_DEFAULTS.maxSpans,
    anomalies: true,
  });
  if (!timeline) return null; // the key rows outlived their spans (TTL dropped a part first)
  const t = buildTransaction(q.key, q.value, timeline, new Set(rows.map((r) => r.trace_id + ':' + r.span_id)));
  if (traces.length > kept.length) t.truncated = { reason: 'traces', limit: q.maxTraces };
  return t;
}

const isPublish = (op: string) => op === 'send' || op === 'create';
const isDeliver = (op: string) => op === 'process' || op === 'receive';

/**
 * The transaction from its timeline (pure). Steps: each trace's entry span (its root, when that is not
 * itself a messaging span) and every publish and deliver span, in start order. Islands: traces joined
 * by span links in either direction (parent/child never crosses traces); each island after the first,
 * by start, is a break in the trace context — between the last step before it and its first step.
 */
export function buildTransaction(key: string, value: string, timeline: Timeline, keySpans: ReadonlySet<string>): Transaction {
  const island = islands(timeline);
  const hopByDeliver = new Map(timeline.hops.map((h) => [h.deliver.traceId + ':' + h.deliver.spanId, h]));
  const inTimeline = new Set(timeline.spans.map((s) => s.traceId + ':' + s.spanId));
  const publishById = new Map<string, TimelineSpan>();
  for (const s of timeline.spans) if (s.messaging && isPublish(s.messaging.operation) && s.messaging.messageId) publishById.set(s.messaging.destination + '\0' + s.messaging.messageId, s);

  const steps: TransactionStep[] = [];
  for (const s of timeline.spans) {
    const op = s.messaging?.operation ?? '';
    const root = !s.parentSpanId || !inTimeline.has(s.traceId + ':' + s.parentSpanId);
    const kind: StepKind | null = isPublish(op) ? 'publish' : isDeliver(op) ? 'deliver' : root ? 'entry' : null;
    if (!kind) continue;
    let queueMs: number | null = null;
    if (kind === 'deliver') {
      const hop = hopByDeliver.get(s.traceId + ':' + s.spanId);
      if (hop?.publish) queueMs = hop.queueMs;
      else if (s.messaging!.messageId) {
        // the context broke at this hop: the same message id, published in the transaction, still tells the wait
        const p = publishById.get(s.messaging!.destination + '\0' + s.messaging!.messageId);
        if (p) queueMs = Math.max(0, nsToMs(BigInt(s.startNs) - BigInt(p.endNs)));
      }
    }
    steps.push({
      index: steps.length,
      kind,
      label: kind === 'entry' ? s.name : s.messaging!.messageType || s.messaging!.destination || s.name,
      destination: s.messaging?.destination ?? '',
      consumerGroup: kind === 'deliver' ? s.messaging!.consumerGroup : '',
      service: s.service,
      traceId: s.traceId,
      spanId: s.spanId,
      startNs: s.startNs,
      durationMs: s.durationMs,
      queueMs,
      carriesKey: keySpans.has(s.traceId + ':' + s.spanId),
      error: s.status.code === 'ERROR',
      segment: island.get(s.traceId) ?? 0,
    });
  }

  const messageOf = new Map<string, string>();
  for (const s of timeline.spans) if (s.messaging?.messageId) messageOf.set(s.spanId, s.messaging.destination + '\0' + s.messaging.messageId);
  const breaks: TransactionBreak[] = [];
  const segments = new Map<number, string[]>();
  for (const [t, seg] of island) segments.set(seg, [...(segments.get(seg) ?? []), t].sort());
  for (let seg = 1; seg < segments.size; seg++) {
    const after = steps.find((s) => s.segment === seg);
    if (!after) continue;
    // the message whose context was lost (same destination and message id), else the last step before
    const sent = after.kind === 'deliver' ? messageOf.get(after.spanId) : undefined;
    const before =
      steps.find((s) => s.segment < seg && s.kind === 'publish' && sent !== undefined && messageOf.get(s.spanId) === sent) ??
      [...steps].reverse().find((s) => s.segment < seg && BigInt(s.startNs) <= BigInt(after.startNs)) ??
      null;
    const gapMs = before ? nsToMs(BigInt(after.startNs) - BigInt(before.startNs)) : null;
    breaks.push({
      segment: seg,
      traceIds: segments.get(seg)!,
      before,
      after,
      gapMs,
      explanation:
        `${after.service} started a new trace with no parent and no link to the earlier ones` +
        (before ? ` (after ${before.kind} ${before.label} by ${before.service})` : '') +
        `: the trace context was lost here; only ${key}=${value} ties it to this transaction.`,
    });
  }

  return {
    key,
    value,
    traceIds: timeline.traceIds,
    services: timeline.services,
    startNs: timeline.startNs,
    endNs: timeline.endNs,
    durationMs: timeline.durationMs,
    keySpanCount: timeline.spans.filter((s) => keySpans.has(s.traceId + ':' + s.spanId)).length,
    steps,
    breaks,
    timeline,
    ...(timeline.truncated ? { truncated: timeline.truncated } : {}),
  };
}

/** Trace id → island number: traces joined by links, numbered by the start of their first span. */
function islands(timeline: Timeline): Map<string, number> {
  const parent = new Map<string, string>();
  const find = (t: string): string => {
    let r = t;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(t, r);
    return r;
  };
  const traces = new Set(timeline.spans.map((s) => s.traceId));
  for (const t of traces) parent.set(t, t);
  const union = (a: string, b: string) => {
    if (!traces.has(a) || !traces.has(b)) return;
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  for (const s of timeline.spans) {
    for (const l of s.linksOut) if (l.inRequest) union(s.traceId, l.traceId);
    for (const l of s.linksIn) if (l.inRequest) union(s.traceId, l.traceId);
  }
  const order = new Map<string, number>(); // root → island number, in start order (spans are sorted)
  const out = new Map<string, number>();
  for (const s of timeline.spans) {
    const root = find(s.traceId);
    if (!order.has(root)) order.set(root, order.size);
    out.set(s.traceId, order.get(root)!);
  }
  return out;
}
