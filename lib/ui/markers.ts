// Anomaly and hop annotations per span of a request timeline: which deliveries were retries,
// dangerous duplicates or out of order, and which hop each deliver span completes. Pure.
import type { DuplicateOccurrence, OrderingOccurrence } from '../analysis/anomalies.js';
import { spanKey } from './timeline.js';

export type SpanMarker =
  | { type: 'retry'; text: string }
  | { type: 'duplicate'; text: string }
  | { type: 'first-delivery'; text: string }
  | { type: 'out-of-order'; text: string }
  | { type: 'overtook'; text: string };

export function anomalyMarkers(anomalies: { duplicates: DuplicateOccurrence[]; ordering: OrderingOccurrence[] }): Map<string, SpanMarker[]> {
  const out = new Map<string, SpanMarker[]>();
  const add = (traceId: string, spanId: string, m: SpanMarker) => {
    const k = spanKey(traceId, spanId);
    const list = out.get(k);
    if (list) list.push(m);
    else out.set(k, [m]);
  };
  for (const d of anomalies.duplicates) {
    const n = d.deliveries.length;
    d.deliveries.forEach((del, i) => {
      const where = `delivery ${i + 1} of ${n} to ${d.consumerGroup}`;
      if (del.class === null) add(del.traceId, del.spanId, { type: 'first-delivery', text: `first of ${n} deliveries to ${d.consumerGroup}` });
      else if (del.class === 'redelivery_after_failure') add(del.traceId, del.spanId, { type: 'retry', text: `redelivery after a failed attempt (${where})` });
      else add(del.traceId, del.spanId, { type: 'duplicate', text: `delivered again after a successful delivery (${where})` });
    });
  }
  for (const o of anomalies.ordering) {
    const l = o.deliveredLater;
    const f = o.deliveredFirst;
    const by = o.basis === 'offset' ? `offset ${l.offset} after offset ${f.offset}` : `published before a later message${o.key ? ` with key ${o.key}` : ''}`;
    add(l.deliver.traceId, l.deliver.spanId, { type: 'out-of-order', text: `out of order in ${o.consumerGroup}: ${by}` });
    add(f.deliver.traceId, f.deliver.spanId, { type: 'overtook', text: `delivered to ${o.consumerGroup} before an older message${o.basis === 'offset' ? ` (offset ${f.offset} before ${l.offset})` : ''}` });
  }
  return out;
}

/** Merges the duplicate and ordering count series of /api/anomalies into chart points. */
export function mergeAnomalySeries(
  dup: Array<{ t: string; redelivery_after_failure: number; duplicate_after_success: number }> | undefined,
  ord: Array<{ t: string; count: number }> | undefined,
): { ts: number; redelivery: number; duplicate: number; ordering: number }[] {
  const byT = new Map<number, { ts: number; redelivery: number; duplicate: number; ordering: number }>();
  const at = (t: string) => {
    const ts = Date.parse(t);
    let p = byT.get(ts);
    if (!p) byT.set(ts, (p = { ts, redelivery: 0, duplicate: 0, ordering: 0 }));
    return p;
  };
  for (const d of dup ?? []) {
    const p = at(d.t);
    p.redelivery += d.redelivery_after_failure;
    p.duplicate += d.duplicate_after_success;
  }
  for (const o of ord ?? []) at(o.t).ordering += o.count;
  return [...byT.values()].sort((a, b) => a.ts - b.ts);
}

/** How a message is named for people: its id, else partition/offset, else its key, else the producer span. */
export function messageLabel(m: { messageId?: string | null; partition?: string; offset?: string | null; key?: string; message: string }): string {
  // the id and the position together where both are known (duplicates name their id whatever identity they use)
  const position = m.offset != null ? `${m.partition ? `partition ${m.partition} ` : ''}offset ${m.offset}` : '';
  if (m.messageId) return position ? `id ${m.messageId} · ${position}` : `id ${m.messageId}`;
  if (position) return position;
  if (m.key) return `key ${m.key}`;
  const span = /^span:[0-9a-f]+:([0-9a-f]+)$/.exec(m.message);
  return span ? `producer span ${span[1]!.slice(0, 8)}` : m.message;
}
