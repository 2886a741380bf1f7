// Request timeline layout (Jaeger UI style): normalize a stitched request once into a flat,
// pre-ordered row list with depth; collapse state is a set of row keys; horizontal positions are
// fractions of the request's window. Async hops (publish → deliver) nest the deliver span under
// its publish span when the deliver has no parent in the request (link-connected consumers), so
// the waterfall reads as the causal flow across traces. Pure, no React.
import { spanKey } from '../domain.js';

export { spanKey };

export interface TimelineSpanInput {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  service: string;
  startNs: string; // ns since epoch, decimal string
  endNs: string;
}

export interface TimelineHopInput {
  /** null when the producer span is not part of the request */
  publish: { traceId: string; spanId: string } | null;
  deliver: { traceId: string; spanId: string };
}

export type TimelineMode = 'tree' | 'service';

export interface SpanRowModel<S> {
  type: 'span';
  key: string;
  span: S;
  depth: number;
  /** how this row hangs under its parent row */
  via: 'root' | 'parent' | 'hop';
  /** number of rows directly under this one */
  childCount: number;
  /** parent span id set but the parent is not part of the request (lost or outside limits) */
  orphan: boolean;
}

export interface ServiceRowModel {
  type: 'service';
  key: string;
  service: string;
  depth: 0;
  childCount: number;
  errorCount?: number;
}

export type RowModel<S> = SpanRowModel<S> | ServiceRowModel;

const cmpNs = (a: string, b: string): number => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Flattens a request into ordered rows. Duplicate (resent) spans are kept once. */
export function flattenTimeline<S extends TimelineSpanInput>(
  spans: readonly S[],
  hops: readonly TimelineHopInput[] = [],
  mode: TimelineMode = 'tree',
): RowModel<S>[] {
  const byKey = new Map<string, S>();
  for (const s of spans) if (!byKey.has(spanKey(s.traceId, s.spanId))) byKey.set(spanKey(s.traceId, s.spanId), s);
  const unique = [...byKey.values()];

  // Parent of each span in the display tree: its real parent when present, else the publish span
  // of its first hop whose publish span is present (an async, link- or context-connected child).
  const parentOf = new Map<string, { key: string; via: 'parent' | 'hop' }>();
  for (const s of unique) {
    const k = spanKey(s.traceId, s.spanId);
    if (s.parentSpanId) {
      const pk = spanKey(s.traceId, s.parentSpanId);
      if (byKey.has(pk) && pk !== k) parentOf.set(k, { key: pk, via: 'parent' });
    }
  }
  for (const h of hops) {
    if (!h.publish) continue;
    const dk = spanKey(h.deliver.traceId, h.deliver.spanId);
    const pk = spanKey(h.publish.traceId, h.publish.spanId);
    if (!parentOf.has(dk) && byKey.has(dk) && byKey.has(pk) && pk !== dk) parentOf.set(dk, { key: pk, via: 'hop' });
  }
  // Break cycles (possible with odd link data) in linear time: walk up from each unvisited span,
  // marking the path; reaching a span on the current path means a cycle, cut at that edge.
  const state = new Map<string, 1 | 2>(); // 1 on the current path, 2 done
  for (const k of byKey.keys()) {
    if (state.has(k)) continue;
    const path: string[] = [];
    let cur: string | undefined = k;
    while (cur !== undefined && !state.has(cur)) {
      state.set(cur, 1);
      path.push(cur);
      const next: string | undefined = parentOf.get(cur)?.key;
      if (next !== undefined && state.get(next) === 1) {
        parentOf.delete(cur);
        break;
      }
      cur = next;
    }
    for (const p of path) state.set(p, 2);
  }

  const children = new Map<string, string[]>();
  const roots: string[] = [];
  for (const k of byKey.keys()) {
    const p = parentOf.get(k);
    if (p) {
      const list = children.get(p.key);
      if (list) list.push(k);
      else children.set(p.key, [k]);
    } else roots.push(k);
  }
  const byStart = (a: string, b: string) => cmpNs(byKey.get(a)!.startNs, byKey.get(b)!.startNs) || a.localeCompare(b);
  roots.sort(byStart);
  for (const list of children.values()) list.sort(byStart);

  const treeRows: SpanRowModel<S>[] = [];
  // Iterative DFS: a 50,000-span request must not blow the stack.
  const stack: { key: string; depth: number }[] = roots.map((key) => ({ key, depth: 0 })).reverse();
  while (stack.length) {
    const { key, depth } = stack.pop()!;
    const span = byKey.get(key)!;
    const kids = children.get(key) ?? [];
    const p = parentOf.get(key);
    treeRows.push({
      type: 'span',
      key,
      span,
      depth,
      via: p?.via ?? 'root',
      childCount: kids.length,
      orphan: !p && span.parentSpanId !== '',
    });
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ key: kids[i]!, depth: depth + 1 });
  }
  if (mode === 'tree') return treeRows;

  // Service mode: one section per service (ordered by its first span), spans by start time.
  const sections = new Map<string, SpanRowModel<S>[]>();
  for (const r of [...treeRows].sort((a, b) => byStart(a.key, b.key))) {
    const list = sections.get(r.span.service);
    const row: SpanRowModel<S> = { ...r, depth: 1 };
    if (list) list.push(row);
    else sections.set(r.span.service, [row]);
  }
  const out: RowModel<S>[] = [];
  for (const [service, rows] of sections) {
    out.push({ type: 'service', key: `service:${service}`, service, depth: 0, childCount: rows.length });
    for (const r of rows) out.push({ ...r, childCount: 0 });
  }
  return out;
}

/** Rows left visible when the rows whose keys are in `collapsed` hide their descendants. */
export function visibleRows<R extends { key: string; depth: number }>(rows: readonly R[], collapsed: ReadonlySet<string>): R[] {
  if (collapsed.size === 0) return rows as R[];
  const out: R[] = [];
  let hideBelow = Infinity; // depth of the collapsed row we are inside
  for (const r of rows) {
    if (r.depth > hideBelow) continue;
    hideBelow = Infinity;
    out.push(r);
    if (collapsed.has(r.key)) hideBelow = r.depth;
  }
  return out;
}

/** Keys of every row that has rows under it (what "collapse all" collapses). */
export function collapsibleKeys(rows: readonly RowModel<unknown>[]): string[] {
  return rows.filter((r) => r.childCount > 0).map((r) => r.key);
}

export interface TimeWindow {
  startNs: bigint;
  endNs: bigint;
}

export function timeWindow(spans: readonly { startNs: string; endNs: string }[]): TimeWindow {
  if (spans.length === 0) return { startNs: 0n, endNs: 1n };
  let lo = BigInt(spans[0]!.startNs);
  let hi = BigInt(spans[0]!.endNs);
  for (const s of spans) {
    const a = BigInt(s.startNs);
    const b = BigInt(s.endNs);
    if (a < lo) lo = a;
    if (b > hi) hi = b;
  }
  if (hi <= lo) hi = lo + 1n;
  return { startNs: lo, endNs: hi };
}

/** Position of an instant as a fraction 0..1 of the window (clamped). */
export function fractionOf(ns: string | bigint, w: TimeWindow): number {
  const t = typeof ns === 'bigint' ? ns : BigInt(ns);
  const span = Number(w.endNs - w.startNs);
  const f = Number(t - w.startNs) / span;
  return f < 0 ? 0 : f > 1 ? 1 : f;
}

/** Bar of a span: left and width as fractions of the window; zero-length spans stay visible. */
export function barOf(start: string, end: string, w: TimeWindow, minWidth = 0.002): { left: number; width: number } {
  const left = fractionOf(start, w);
  const right = fractionOf(end, w);
  const width = Math.max(right - left, minWidth);
  return { left: Math.min(left, 1 - width), width };
}

export interface QueueSegment {
  deliverKey: string;
  publishKey: string;
  left: number;
  width: number;
  /** deliver start − publish end; negative means clock skew (drawn as zero width) */
  queueMs: number;
}

/** The queue-time segment (publish end → deliver start) of each hop whose two spans are present. */
export function queueSegments(
  spans: readonly TimelineSpanInput[],
  hops: readonly TimelineHopInput[],
  w: TimeWindow,
): Map<string, QueueSegment> {
  const byKey = new Map(spans.map((s) => [spanKey(s.traceId, s.spanId), s] as const));
  const out = new Map<string, QueueSegment>();
  for (const h of hops) {
    if (!h.publish) continue;
    const pk = spanKey(h.publish.traceId, h.publish.spanId);
    const dk = spanKey(h.deliver.traceId, h.deliver.spanId);
    const p = byKey.get(pk);
    const d = byKey.get(dk);
    if (!p || !d || out.has(dk)) continue;
    const queueMs = Number(BigInt(d.startNs) - BigInt(p.endNs)) / 1e6;
    const left = fractionOf(p.endNs, w);
    const right = Math.max(left, fractionOf(d.startNs, w));
    out.set(dk, { deliverKey: dk, publishKey: pk, left, width: right - left, queueMs });
  }
  return out;
}

/** Rows to render for a scroll position: [start, end) with overscan on both sides. */
export function windowSlice(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  total: number,
  overscan = 10,
): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.min(total, Math.max(0, first - overscan));
  const end = Math.min(total, first + count + overscan);
  return { start, end: Math.max(start, end) };
}

/** Tick marks for the time axis: `n` evenly spaced offsets from the window start, in ms. */
export function axisTicks(w: TimeWindow, n = 5): { fraction: number; offsetMs: number }[] {
  const totalMs = Number(w.endNs - w.startNs) / 1e6;
  return Array.from({ length: n + 1 }, (_, i) => ({ fraction: i / n, offsetMs: (totalMs * i) / n }));
}
