// The hops inside one request, paired in memory from spans the timeline already holds, with the
// definitions of DESIGN §1 that hops.ts uses in SQL: a deliver span's refs are its parent and its
// links; every ref that is a publish span makes one hop; the consumer group is the deliver span's;
// queue time = deliver start − publish end. A deliver span none of whose refs is a publish span in
// the request still shows, with the message identified by its message id or offset when known.
import { isDeliverOperation, isPublishOperation, messageIdentity, spanKey } from '../domain.js';

export interface HopSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  service: string;
  operation: string;
  destination: string;
  partition: string;
  offset: string | null;
  messageId: string;
  consumerGroup: string;
  startNs: bigint;
  endNs: bigint;
  links: Array<{ traceId: string; spanId: string }>;
}

export interface RequestHop {
  message: string;
  consumerGroup: string;
  destination: string;
  publish: { traceId: string; spanId: string; service: string } | null;
  deliver: { traceId: string; spanId: string; service: string };
  /** deliver start − publish end in ms (may be negative on skewed clocks); null without a publish span */
  queueMs: number | null;
}

export function pairRequestHops(spans: HopSpan[]): RequestHop[] {
  const publishes = new Map<string, HopSpan>();
  for (const s of spans) if (isPublishOperation(s.operation)) publishes.set(spanKey(s.traceId, s.spanId), s);
  const hops: RequestHop[] = [];
  for (const d of spans) {
    if (!isDeliverOperation(d.operation)) continue;
    const refs = [...(d.parentSpanId ? [{ traceId: d.traceId, spanId: d.parentSpanId }] : []), ...d.links];
    const seen = new Set<string>();
    const deliver = { traceId: d.traceId, spanId: d.spanId, service: d.service };
    for (const r of refs) {
      const p = publishes.get(spanKey(r.traceId, r.spanId));
      if (!p) continue;
      const message = messageIdentity.span(p.traceId, p.spanId);
      if (seen.has(message)) continue;
      seen.add(message);
      hops.push({
        message,
        consumerGroup: d.consumerGroup,
        destination: p.destination || d.destination,
        publish: { traceId: p.traceId, spanId: p.spanId, service: p.service },
        deliver,
        queueMs: Number(d.startNs - p.endNs) / 1e6,
      });
    }
    if (seen.size === 0) {
      const message = d.messageId
        ? messageIdentity.id(d.destination, d.messageId)
        : d.offset !== null
          ? messageIdentity.offset(d.destination, d.partition, d.offset)
          : messageIdentity.delivery(d.traceId, d.spanId);
      hops.push({ message, consumerGroup: d.consumerGroup, destination: d.destination, publish: null, deliver, queueMs: null });
    }
  }
  return hops;
}
