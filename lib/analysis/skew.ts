// Per-host clock-skew correction for a request timeline, in the spirit of Jaeger's adjuster: a
// synchronous child on another host must lie within its parent; when it does not, its host's clock
// is taken to be off by the amount that centres the child in the parent, and every span of that
// host moves by it. Async children (deliveries, children of producer spans) legitimately start and
// end after their parent and never decide a host's offset. Pure: spans in, offsets out.
import { isConsumerOperation, isPublishOperation, spanKey } from '../domain.js';

/** Re-exported for the timeline, which reads it from here. */
export { spanKey };

export interface SkewSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  host: string;
  kind: string;
  /** normalized messaging operation ('' when not a messaging span) */
  operation: string;
  startNs: bigint;
  endNs: bigint;
}

export interface HostAdjustment {
  host: string;
  /** added to every start/end of this host's spans */
  offsetNs: bigint;
  offsetMs: number;
  /** the sync parent → child pair that revealed the skew */
  basis: { parentSpanId: string; childSpanId: string; traceId: string };
}

export interface SkewResult {
  /** hosts whose clock was corrected (offset ≠ 0) */
  hosts: HostAdjustment[];
  /** offset per span key (`traceId:spanId`), only for spans that moved */
  spanOffsetNs: Map<string, bigint>;
}

/** A child that may outlive its parent: messaging hand-offs. */
export function isAsyncEdge(parent: SkewSpan, child: SkewSpan): boolean {
  return (
    parent.kind === 'PRODUCER' ||
    isPublishOperation(parent.operation) ||
    child.kind === 'CONSUMER' ||
    isConsumerOperation(child.operation)
  );
}

/**
 * How far to move a child (on its own host's clock) so it sits inside its parent (already on the
 * reference clock). 0 when it already fits. A child longer than its parent cannot be centred; it is
 * only moved so that it does not start before the parent.
 */
export function childCorrectionNs(parent: { startNs: bigint; endNs: bigint }, child: { startNs: bigint; endNs: bigint }): bigint {
  const parentDur = parent.endNs - parent.startNs;
  const childDur = child.endNs - child.startNs;
  if (childDur > parentDur) return child.startNs < parent.startNs ? parent.startNs - child.startNs : 0n;
  if (child.startNs >= parent.startNs && child.endNs <= parent.endNs) return 0n;
  // Network latency split evenly between request and response.
  const gap = (parentDur - childDur) / 2n;
  return parent.startNs + gap - child.startNs;
}

/**
 * `known`: host clock offsets estimated across all traffic (host_clocks, lib/hops/clocks.ts). A host
 * this request reaches only through messaging hand-offs (no synchronous call tells its offset here)
 * keeps the known offset relative to the host it was reached from, so a producer host whose clock
 * is off does not make every queue time of the request negative.
 */
export function adjustClockSkew(spans: SkewSpan[], known: Map<string, bigint> = new Map()): SkewResult {
  const byKey = new Map<string, SkewSpan>();
  for (const s of spans) byKey.set(spanKey(s.traceId, s.spanId), s);
  const children = new Map<string, SkewSpan[]>();
  const roots: SkewSpan[] = [];
  for (const s of byKey.values()) {
    const parentKey = s.parentSpanId ? spanKey(s.traceId, s.parentSpanId) : '';
    if (parentKey && byKey.has(parentKey)) {
      let list = children.get(parentKey);
      if (!list) children.set(parentKey, (list = []));
      list.push(s);
    } else {
      roots.push(s);
    }
  }
  const byStart = (a: SkewSpan, b: SkewSpan) =>
    a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : a.spanId.localeCompare(b.spanId);
  roots.sort(byStart);
  for (const list of children.values()) list.sort(byStart);

  // Breadth-first from the earliest roots: a host's offset is fixed the first time it is reached,
  // by a sync cross-host edge (computed) or by anything else (its own clock is the reference).
  const offset = new Map<string, bigint>();
  const hosts: HostAdjustment[] = [];
  const queue: SkewSpan[] = [];
  for (const r of roots) {
    if (!offset.has(r.host)) offset.set(r.host, 0n);
    queue.push(r);
  }
  for (let i = 0; i < queue.length; i++) {
    const parent = queue[i]!;
    const parentOffset = offset.get(parent.host) ?? 0n;
    for (const child of children.get(spanKey(parent.traceId, parent.spanId)) ?? []) {
      if (!offset.has(child.host)) {
        let delta = 0n;
        if (child.host !== parent.host && !isAsyncEdge(parent, child)) {
          delta = childCorrectionNs(
            { startNs: parent.startNs + parentOffset, endNs: parent.endNs + parentOffset },
            child,
          );
        } else if (child.host !== parent.host && (known.has(child.host) || known.has(parent.host))) {
          delta = parentOffset + (known.get(child.host) ?? 0n) - (known.get(parent.host) ?? 0n);
        }
        offset.set(child.host, delta);
        if (delta !== 0n) {
          hosts.push({
            host: child.host,
            offsetNs: delta,
            offsetMs: Number(delta) / 1e6,
            basis: { traceId: child.traceId, parentSpanId: parent.spanId, childSpanId: child.spanId },
          });
        }
      }
      queue.push(child);
    }
  }

  const spanOffsetNs = new Map<string, bigint>();
  for (const [key, s] of byKey) {
    const o = offset.get(s.host) ?? 0n;
    if (o !== 0n) spanOffsetNs.set(key, o);
  }
  return { hosts, spanOffsetNs };
}
