// Flow-map layout: turns /api/topology nodes and edges into positioned React Flow nodes and edges
// with their whole geometry (edge routes, label slots, the initial viewport), with dagre. Pure (no
// React, no DOM), so it runs on the server and is unit-tested on its own.
import { Graph, layout as dagreLayout } from '@dagrejs/dagre';
import type { EdgeLag, TopologyEdge, TopologyNode } from '../analysis/graph.js';
import { errorRatio, formatCount, formatDurationMs, formatPercent, formatRate } from './format.js';

/** The node kinds the map draws; anything else the API sends is drawn as a service-like box. */
export type FlowNodeKind = 'service' | 'destination' | 'messageType' | 'consumerGroup' | 'peer';

/** Top → bottom reads best for the long, narrow chains of event flows on a wide screen. */
export type RankDir = 'TB' | 'LR';

/** The /api/topology shapes (lib/analysis/graph.ts), loosened where the map tolerates more. */
export type TopologyNodeInput = Omit<TopologyNode, 'kind'> & { kind: string };
export type EdgeLagInput = Omit<EdgeLag, 'status'> & { status: string };
export type TopologyEdgeInput = Omit<TopologyEdge, 'kind' | 'p50Ms' | 'p95Ms' | 'id' | 'lag'> & {
  id?: string;
  kind: string;
  p50Ms?: number | null;
  p95Ms?: number | null;
  lag?: EdgeLagInput | null;
  messageType?: string;
};

export interface Point {
  x: number;
  y: number;
}

export interface FlowNodeData extends Record<string, unknown> {
  label: string;
  kind: FlowNodeKind;
  rawKind: string;
  system?: string;
  /** destination nodes: where messages that could not be processed end up */
  deadLetter?: boolean;
  /** what an attached edge says about this node: messages in/out, errors */
  inCount: number;
  outCount: number;
  errors: number;
  /** consumer-group nodes: the service node (id, label) that consumes as this group */
  attachedTo?: string;
  serviceLabel?: string;
  rankdir: RankDir;
  raw: TopologyNodeInput;
}

/** One piece of the short edge label; `tone` picks its colour. */
export interface LabelPart {
  text: string;
  tone: 'rate' | 'error' | 'retry' | 'lag' | 'type' | 'idle';
}

export interface FlowEdgeData extends Record<string, unknown> {
  kind: string;
  count: number;
  errors: number;
  errorRatio: number;
  p50Ms: number | null;
  p95Ms: number | null;
  queueP50Ms: number | null;
  queueP95Ms: number | null;
  /** deliver edges: deliveries marked as redelivered, when the API knows them */
  retries: number | null;
  lag: EdgeLagInput | null;
  group?: string;
  /** deliver edges drawn into a consumer-group node: the consuming service's label */
  consumer?: string;
  messageType?: string;
  strokeWidth: number;
  color: string;
  /** the route, from the source node's face to the target node's face (arrow at the end) */
  points: Point[];
  /** centre of the label slot dagre reserved for this edge */
  labelX: number;
  labelY: number;
  /** what the map shows by default: rate, error %, retry %, lag status */
  short: LabelPart[];
  /** what it shows on hover or selection: latency, queue time, lag */
  details: string[];
  /** drawn against the flow (a call back to an earlier service, a reply to an orchestrator) */
  backward: boolean;
  rankdir: RankDir;
  raw: TopologyEdgeInput;
}

export interface PositionedNode {
  id: string;
  type: FlowNodeKind;
  position: Point;
  data: FlowNodeData;
  width: number;
  height: number;
}

export interface PositionedEdge {
  id: string;
  source: string;
  target: string;
  type: 'flow';
  data: FlowEdgeData;
}

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FlowLayout {
  nodes: PositionedNode[];
  edges: PositionedEdge[];
  rankdir: RankDir;
  /** everything drawn: nodes, routes and label slots */
  bounds: Bounds;
}

export interface LayoutOptions {
  rankdir?: RankDir;
  /** the window the counts cover, for the rates in the labels (default 15 minutes) */
  rangeMs?: number;
}

/** Node height, and the bounds of its width (which follows the label). */
export const NODE_SIZE: Record<FlowNodeKind, { height: number; minWidth: number; maxWidth: number }> = {
  service: { height: 44, minWidth: 132, maxWidth: 250 },
  destination: { height: 44, minWidth: 132, maxWidth: 250 },
  messageType: { height: 44, minWidth: 132, maxWidth: 250 },
  consumerGroup: { height: 44, minWidth: 120, maxWidth: 220 },
  peer: { height: 40, minWidth: 120, maxWidth: 220 },
};

/** Font sizes the map's CSS uses; the layout sizes boxes from them (see globals.css .fnode/.flow-edge-label). */
export const FONT = { title: 15, sub: 11.5, label: 13 } as const;
const LABEL_HEIGHT = 22;
/** dagre's rank separation; with edge labels half of it lies on each side of a label row */
const RANKSEP_TB = 26;
const RANKSEP_LR = 40;
/** the width:height the canvas usually has (most of a landscape viewport) */
const SCREEN_ASPECT = 2;
/** how deep (along the flow) a map may grow for that: about a 700 × 1400 px canvas at zoom 0.85 */
const MAX_DEPTH_TB = 800;
const MAX_DEPTH_LR = 1600;
/** gap between a service and the consumer-group tabs attached to it */
const GROUP_GAP = 4;
/** least distance between two edges leaving or entering the same face of a node */
const PORT_GAP = 16;
/** straight run where an edge leaves or enters a node, so arrowheads meet the box square */
const STUB = 10;

/**
 * Estimated rendered width of a text (no DOM on the server). Calibrated on DejaVu Sans, the widest
 * common fallback for system-ui, so a box is never too narrow; on SF or Segoe it has some air.
 */
export function textWidth(text: string, px: number, bold = false): number {
  let w = 0;
  for (const ch of text) {
    w += /[ijl.,:;|!'·]/.test(ch) ? 0.3 : /[ftrI/()[\]\- ]/.test(ch) ? 0.4 : /[mwMW%@]/.test(ch) ? 0.96 : /[A-Z0-9#?_]/.test(ch) ? 0.7 : 0.62;
  }
  return Math.ceil(w * px * (bold ? 1.1 : 1));
}

/** The box a node needs for its title (and its one-line subtitle) at the map's font sizes. */
export function nodeBox(kind: FlowNodeKind, label: string, sub = ''): { width: number; height: number } {
  const s = NODE_SIZE[kind];
  const icon = kind === 'destination' || kind === 'messageType' ? 20 : 0;
  const want = Math.max(textWidth(label, FONT.title, true) + icon, textWidth(sub, FONT.sub)) + 40;
  return { width: Math.min(s.maxWidth, Math.max(s.minWidth, want)), height: s.height };
}

export function nodeKindOf(kind: string): FlowNodeKind {
  const k = kind.toLowerCase().replace(/[_\s-]/g, '');
  if (k === 'destination' || k === 'topic' || k === 'queue' || k === 'exchange') return 'destination';
  if (k === 'messagetype') return 'messageType';
  if (k === 'consumergroup' || k === 'group') return 'consumerGroup';
  if (k === 'peer' || k === 'external' || k === 'database' || k === 'externalpeer') return 'peer';
  return 'service';
}

/** The subtitle a node shows under its name (kept here so the layout can size the box for it). */
export function nodeSubtitle(kind: FlowNodeKind, system?: string, peerKind?: string, deadLetter?: boolean): string {
  if (kind === 'destination') return `${system ?? ''} ${deadLetter ? 'dead-letter ' : ''}${destinationWord(system)}`.trim();
  if (kind === 'messageType') return `${system ?? ''} message type`.trim();
  if (kind === 'consumerGroup') return 'consumer group';
  if (kind === 'peer') return `${peerKind || 'external'} · no spans`;
  return 'service';
}

/** What a destination is called on its messaging system (the API gives the system only). */
export function destinationWord(system?: string): string {
  const s = (system ?? '').toLowerCase();
  if (s === 'kafka' || s === 'pulsar' || s === 'eventhubs') return 'topic';
  if (s === 'rabbitmq') return 'exchange';
  if (s === 'aws_sqs' || s === 'activemq' || s === 'servicebus' || s === 'jms') return 'queue';
  return 'destination';
}

/** Edge colours: grey-blue healthy, amber some errors, red ≥ 5% errors. */
export const EDGE_COLORS = { ok: '#64748b', warn: '#d97706', error: '#dc2626' } as const;

export function edgeColor(ratio: number): string {
  return ratio >= 0.05 ? EDGE_COLORS.error : ratio > 0 ? EDGE_COLORS.warn : EDGE_COLORS.ok;
}

/** Stroke width grows with the log of the volume, relative to the busiest edge: 1.5 … 6 px. */
export function edgeWidth(count: number, maxCount: number): number {
  if (!(count > 0) || !(maxCount > 0)) return 1.5;
  const r = Math.log10(count + 1) / Math.log10(maxCount + 1);
  return Math.round((1.5 + 4.5 * r) * 10) / 10;
}

function fallbackEdgeId(e: TopologyEdgeInput, i: number): string {
  return `${e.kind}:${e.source}->${e.target}#${e.group ?? ''}#${e.messageType ?? ''}#${i}`;
}

/**
 * Deliver edges of a consumer group that differs from its service (Kafka groups, RabbitMQ queues)
 * end at the group's node, which the layout attaches to its service, so the group is visible on the
 * map without adding a rank. (A group named like its service has no node: the service is the group.)
 */
export function routeThroughGroups(nodes: readonly TopologyNodeInput[], edges: readonly TopologyEdgeInput[]): (TopologyEdgeInput & { consumer?: string })[] {
  const groupNode = new Map<string, string>();
  const labelOf = new Map(nodes.map((n) => [n.id, n.label] as const));
  for (const n of nodes) if (nodeKindOf(n.kind) === 'consumerGroup' && n.service) groupNode.set(`${n.service}\u0000${n.label}`, n.id);
  return edges.map((e) => {
    const gid = e.kind === 'deliver' && e.group ? groupNode.get(`${e.target}\u0000${e.group}`) : undefined;
    return gid ? { ...e, id: e.id ? `${e.id}@group` : undefined, target: gid, consumer: labelOf.get(e.target) } : e;
  });
}

/** What a dead-letter destination is, for its tooltip and the legend. */
export const DEAD_LETTER_HELP =
  'dead-letter destination: where messages end up that could not be processed (after their retries); recognised by its name (.dlq, -dlt, _error, deadletter …) or configured (EVENTSCOPE_DEAD_LETTER_PATTERNS)';

/**
 * The short label: rate ("idle" for a consumer group known from recent history that delivered
 * nothing in the range), then the error rate when there are errors and the retry rate beside it
 * when there are retries, then the lag status when not OK.
 */
export function edgeLabelShort(
  e: { count: number; errors: number; retries?: number | null; kind: string; lag?: EdgeLagInput | null; messageType?: string },
  rangeMs: number,
): LabelPart[] {
  const parts: LabelPart[] = [];
  if (e.messageType) parts.push({ text: e.messageType, tone: 'type' });
  if (e.kind === 'deliver' && e.count === 0) parts.push({ text: 'idle', tone: 'idle' });
  else parts.push({ text: formatRate(e.count, rangeMs), tone: 'rate' });
  if (e.errors > 0) parts.push({ text: `${formatPercent(errorRatio(e.errors, e.count))} err`, tone: 'error' });
  if (e.retries) parts.push({ text: `${formatPercent(errorRatio(e.retries, e.count))} retry`, tone: 'retry' });
  if (e.kind === 'deliver' && e.lag && e.lag.status !== 'OK') {
    parts.push({ text: `lag ${e.lag.status}`, tone: 'lag' });
  }
  return parts;
}

/** The full metrics, shown when the edge is hovered or selected. */
export function edgeLabelDetails(
  e: {
    kind: string; count: number; errors: number; retries?: number | null; p50Ms?: number | null; p95Ms?: number | null;
    queueP50Ms?: number | null; queueP95Ms?: number | null; lag?: EdgeLagInput | null; group?: string; consumer?: string;
  },
  rangeMs: number,
): string[] {
  const lines: string[] = [];
  const noun = e.kind === 'publish' ? 'published' : e.kind === 'deliver' ? 'delivered' : 'calls';
  if (e.kind === 'deliver' && e.count === 0) {
    lines.push('idle: no deliveries in this range (the group consumed here recently)');
  } else {
    const failed = e.errors > 0 ? ` · ${formatCount(e.errors)} failed (${formatPercent(errorRatio(e.errors, e.count))})` : '';
    const retried = e.retries ? ` · ${formatCount(e.retries)} retried (${formatPercent(errorRatio(e.retries, e.count))})` : '';
    lines.push(`${formatCount(e.count)} ${noun} · ${formatRate(e.count, rangeMs)}${failed}${retried}`);
  }
  if (e.kind === 'deliver' && e.group) lines.push(`group ${e.group}${e.consumer ? ` (${e.consumer})` : ''}`);
  if (e.p50Ms != null || e.p95Ms != null) lines.push(`${e.kind === 'deliver' ? 'processing' : 'duration'} p50 ${formatDurationMs(e.p50Ms)} · p95 ${formatDurationMs(e.p95Ms)}`);
  if (e.kind === 'deliver' && (e.queueP50Ms != null || e.queueP95Ms != null)) {
    lines.push(`queue p50 ${formatDurationMs(e.queueP50Ms)} · p95 ${formatDurationMs(e.queueP95Ms)}`);
  }
  if (e.kind === 'deliver' && e.lag) {
    const oldest = e.lag.backlog > 0 ? ` · oldest ${formatDurationMs(e.lag.oldestUndeliveredAgeMs)}` : '';
    lines.push(`lag ${formatCount(e.lag.backlog)} ${e.lag.backlog === 1 ? 'msg' : 'msgs'}${oldest} · ${e.lag.status}`);
  }
  return lines;
}

/** The width a short label needs, for the slot dagre reserves. */
export function labelWidth(parts: readonly LabelPart[]): number {
  let w = 12; // padding and border
  parts.forEach((p, i) => {
    w += textWidth(p.text, FONT.label, p.tone === 'type') + (p.tone === 'lag' ? 12 : 0) + (i ? 8 : 0);
  });
  return w;
}

/**
 * The initial view: the whole map if it fits at a readable zoom, else the readable zoom, anchored at
 * the start of the flow (top in TB, left in LR) and centred across it; the reader pans for the rest.
 */
export function initialViewport(
  bounds: Bounds,
  canvas: { width: number; height: number },
  opts: { rankdir?: RankDir; minZoom?: number; maxZoom?: number; padding?: number } = {},
): { x: number; y: number; zoom: number } {
  const pad = opts.padding ?? 24;
  const minZoom = opts.minZoom ?? 0.85;
  const maxZoom = opts.maxZoom ?? 1.1;
  const tb = (opts.rankdir ?? 'TB') === 'TB';
  const availW = Math.max(1, canvas.width - 2 * pad);
  const availH = Math.max(1, canvas.height - 2 * pad);
  const fit = Math.min(availW / Math.max(1, bounds.width), availH / Math.max(1, bounds.height));
  const zoom = Math.round(Math.min(maxZoom, Math.max(minZoom, fit)) * 1000) / 1000;
  const place = (size: number, avail: number, start: number, total: number, alongFlow: boolean) =>
    size * zoom <= avail || !alongFlow ? (total - size * zoom) / 2 - start * zoom : pad - start * zoom;
  return {
    x: Math.round(place(bounds.width, availW, bounds.x, canvas.width, !tb)),
    y: Math.round(place(bounds.height, availH, bounds.y, canvas.height, tb)),
    zoom,
  };
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Lays out the flow map. Edges whose endpoints are missing from `nodes` are dropped. Every edge gets
 * a label slot from dagre, so labels never sit on a node or on each other.
 */
export function layoutFlowMap(
  nodes: readonly TopologyNodeInput[],
  edges: readonly TopologyEdgeInput[],
  options: LayoutOptions = {},
): FlowLayout {
  const rankdir: RankDir = options.rankdir ?? 'TB';
  const rangeMs = options.rangeMs ?? 15 * 60_000;
  const tb = rankdir === 'TB';
  const ids = new Set(nodes.map((n) => n.id));
  const kept = routeThroughGroups(nodes, edges).filter((e) => ids.has(e.source) && ids.has(e.target));
  const sortedNodes = [...nodes].sort((a, b) => a.id.localeCompare(b.id));
  const labelOf = new Map(sortedNodes.map((n) => [n.id, n.label || n.id] as const));

  const boxOf = new Map<string, { width: number; height: number }>();
  for (const n of sortedNodes) {
    const kind = nodeKindOf(n.kind);
    boxOf.set(n.id, nodeBox(kind, n.label || n.id, nodeSubtitle(kind, n.system, n.peerKind, n.deadLetter)));
  }

  // A consumer-group node is a tab attached to its service (beside it in TB, under it in LR): the
  // service and its groups are one block for dagre, and edges to a group are edges to that block.
  const attachedTo = new Map<string, string>();
  const groupsOf = new Map<string, string[]>();
  for (const n of sortedNodes) {
    if (nodeKindOf(n.kind) !== 'consumerGroup' || !n.service || !ids.has(n.service)) continue;
    attachedTo.set(n.id, n.service);
    groupsOf.set(n.service, [...(groupsOf.get(n.service) ?? []), n.id]);
  }
  const blockOf = (id: string) => attachedTo.get(id) ?? id;
  const blockSize = (id: string) => {
    const own = boxOf.get(id)!;
    const groups = (groupsOf.get(id) ?? []).map((g) => boxOf.get(g)!);
    if (tb) return { width: own.width + groups.reduce((a, g) => a + g.width + GROUP_GAP, 0), height: own.height };
    return { width: Math.max(own.width, ...groups.map((g) => g.width)), height: own.height + groups.reduce((a, g) => a + g.height + GROUP_GAP, 0) };
  };

  const maxCount = Math.max(0, ...kept.map((e) => e.count));
  const shortOf = kept.map((e) => edgeLabelShort(e, rangeMs));

  const g = new Graph({ multigraph: true });
  const baseRanksep = tb ? RANKSEP_TB : RANKSEP_LR;
  g.setGraph(tb
    ? { rankdir, nodesep: 24, edgesep: 10, ranksep: baseRanksep, marginx: 16, marginy: 16 }
    : { rankdir, nodesep: 22, edgesep: 10, ranksep: baseRanksep, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  // Insert in a stable order so the same data always gives the same picture.
  for (const n of sortedNodes) if (!attachedTo.has(n.id)) g.setNode(n.id, blockSize(n.id));
  // Messaging edges decide the ranks; a synchronous call that would close a cycle (a consumer
  // calling its producer back) is laid out reversed, so it is routed but does not stretch the map.
  const succ = new Map<string, Set<string>>();
  const reaches = (from: string, to: string) => {
    const seen = new Set<string>([from]);
    const stack = [from];
    while (stack.length) {
      const cur = stack.pop()!;
      if (cur === to) return true;
      for (const nx of succ.get(cur) ?? []) if (!seen.has(nx)) (seen.add(nx), stack.push(nx));
    }
    return false;
  };
  const backward = new Set<number>();
  const laidOut = new Set<number>();
  const order = kept.map((e, i) => ({ e, i })).sort((a, b) => Number(isSync(a.e)) - Number(isSync(b.e)) || a.i - b.i);
  for (const { e, i } of order) {
    let v = blockOf(e.source);
    let w = blockOf(e.target);
    if (v === w) continue;
    if (isSync(e) && reaches(w, v)) {
      backward.add(i);
      [v, w] = [w, v];
    }
    const size = { width: labelWidth(shortOf[i]!), height: LABEL_HEIGHT };
    g.setEdge(v, w, { weight: isSync(e) ? 1 : 2, minlen: 1, labelpos: 'c', ...size }, `e${i}`);
    laidOut.add(i);
    if (!succ.has(v)) succ.set(v, new Set());
    succ.get(v)!.add(w);
  }
  dagreLayout(g);
  // A map much wider than a screen's shape (in TB; taller in LR) gets more room between ranks, up
  // to 3× and no deeper than a laptop canvas shows at the readable zoom, so edges fanning out
  // across it slope instead of running flat into each other.
  const laidBlocks = sortedNodes.filter((n) => !attachedTo.has(n.id)).map((n) => g.node(n.id) as { x: number; y: number });
  const ranks = new Set(laidBlocks.map((p) => Math.round(tb ? p.y : p.x))).size;
  const { width: gw = 0, height: gh = 0 } = g.graph() as { width?: number; height?: number };
  const along = tb ? gh : gw;
  const wantAlong = Math.min(tb ? gw / SCREEN_ASPECT : gh * SCREEN_ASPECT, tb ? MAX_DEPTH_TB : MAX_DEPTH_LR);
  if (ranks > 1 && wantAlong > along) {
    (g.graph() as { ranksep: number }).ranksep = Math.min(3 * baseRanksep, baseRanksep + (wantAlong - along) / (ranks - 1));
    dagreLayout(g);
  }

  const rects = new Map<string, Rect>();
  for (const n of sortedNodes) {
    if (attachedTo.has(n.id)) continue;
    const p = g.node(n.id) as { x: number; y: number } | undefined;
    const block = blockSize(n.id);
    const own = boxOf.get(n.id)!;
    const x = Math.round((p?.x ?? 0) - block.width / 2);
    const y = Math.round((p?.y ?? 0) - block.height / 2);
    rects.set(n.id, { x, y, ...own });
    let gx = x + own.width + GROUP_GAP;
    let gy = y + own.height + GROUP_GAP;
    for (const gid of groupsOf.get(n.id) ?? []) {
      const gb = boxOf.get(gid)!;
      if (tb) {
        rects.set(gid, { x: gx, y, ...gb });
        gx += gb.width + GROUP_GAP;
      } else {
        rects.set(gid, { x, y: gy, ...gb });
        gy += gb.height + GROUP_GAP;
      }
    }
  }
  // consumer groups whose service is not on the map, and anything dagre did not see
  for (const n of sortedNodes) if (!rects.has(n.id)) rects.set(n.id, { x: 0, y: 0, ...boxOf.get(n.id)! });

  const inCount = new Map<string, number>();
  const outCount = new Map<string, number>();
  const errs = new Map<string, number>();
  for (const e of kept) {
    outCount.set(e.source, (outCount.get(e.source) ?? 0) + e.count);
    inCount.set(e.target, (inCount.get(e.target) ?? 0) + e.count);
    errs.set(e.target, (errs.get(e.target) ?? 0) + e.errors);
  }

  const positioned: PositionedNode[] = sortedNodes.map((n) => {
    const kind = nodeKindOf(n.kind);
    const r = rects.get(n.id)!;
    return {
      id: n.id,
      type: kind,
      position: { x: r.x, y: r.y },
      width: r.width,
      height: r.height,
      data: {
        label: n.label || n.id,
        kind,
        rawKind: n.kind,
        system: n.system,
        ...(n.deadLetter ? { deadLetter: true } : {}),
        inCount: inCount.get(n.id) ?? 0,
        outCount: outCount.get(n.id) ?? 0,
        errors: errs.get(n.id) ?? 0,
        attachedTo: attachedTo.get(n.id),
        serviceLabel: attachedTo.has(n.id) ? labelOf.get(attachedTo.get(n.id)!) : undefined,
        rankdir,
        raw: n,
      },
    };
  });

  // Routes first (dagre's bend points between the faces), then straightened where nothing is in the way.
  const routes = kept.map((e, i) => {
    const src = rects.get(e.source)!;
    const dst = rects.get(e.target)!;
    // Against the flow: a call back to an earlier service, or an edge dagre turned round to break
    // a cycle (replies to an orchestrator). Its route comes in reversed from the layout.
    const isBackward = tb ? dst.y + dst.height / 2 < src.y + src.height / 2 : dst.x + dst.width / 2 < src.x + src.width / 2;
    if (!laidOut.has(i)) {
      const points = route(src, dst, [], tb, isBackward);
      return { points, label: midpoint(points), isBackward };
    }
    const swapped = backward.has(i);
    const de = g.edge(swapped ? blockOf(e.target) : blockOf(e.source), swapped ? blockOf(e.source) : blockOf(e.target), `e${i}`) as { points?: Point[]; x?: number; y?: number };
    let inner = (de.points ?? []).slice(1, -1);
    if (swapped) inner = inner.reverse();
    const label = { x: de.x ?? 0, y: de.y ?? 0 };
    return { points: route(src, dst, inner, tb, isBackward), label, isBackward };
  });
  // Where several edges meet one face of a node, each gets its own port, spread across the face
  // in the order of where the edges come from, so lines and arrowheads do not pile up.
  const across = (p: Point) => (tb ? p.x : p.y);
  const faces = new Map<string, { points: Point[]; end: boolean; toward: number; rect: Rect }[]>();
  routes.forEach((r, i) => {
    const n = r.points.length;
    if (n < 4) return;
    const add = (key: string, v: { points: Point[]; end: boolean; toward: number; rect: Rect }) => faces.set(key, [...(faces.get(key) ?? []), v]);
    add(`${kept[i]!.source}|${r.isBackward ? 'up' : 'down'}`, { points: r.points, end: false, toward: across(r.points[2]!), rect: rects.get(kept[i]!.source)! });
    add(`${kept[i]!.target}|${r.isBackward ? 'down' : 'up'}`, { points: r.points, end: true, toward: across(r.points[n - 3]!), rect: rects.get(kept[i]!.target)! });
  });
  for (const list of faces.values()) {
    if (list.length < 2) continue;
    list.sort((a, b) => a.toward - b.toward);
    const r = list[0]!.rect;
    const lo = tb ? r.x + 14 : r.y + 10;
    const hi = tb ? r.x + r.width - 14 : r.y + r.height - 10;
    const ports = spreadPorts(list.map((p) => p.toward), lo, hi, PORT_GAP);
    list.forEach((p, k) => {
      const n = p.points.length;
      for (const idx of p.end ? [n - 1, n - 2] : [0, 1]) {
        if (tb) p.points[idx] = { x: ports[k]!, y: p.points[idx]!.y };
        else p.points[idx] = { x: p.points[idx]!.x, y: ports[k]! };
      }
    });
  }
  const labelRects = kept.map((_, i) => {
    const w = labelWidth(shortOf[i]!);
    return { x: routes[i]!.label.x - w / 2, y: routes[i]!.label.y - LABEL_HEIGHT / 2, width: w, height: LABEL_HEIGHT };
  });
  const nodeRects = [...rects.values()];
  routes.forEach((r, i) => {
    const own = new Set([rects.get(kept[i]!.source), rects.get(kept[i]!.target), labelRects[i]]);
    const obstacles = [...nodeRects, ...labelRects].filter((o) => !own.has(o));
    r.points = straighten(r.points, r.label, obstacles);
  });

  const usedIds = new Set<string>();
  const outEdges: PositionedEdge[] = kept.map((e, i) => {
    const ratio = errorRatio(e.errors, e.count);
    let id = e.id && !usedIds.has(e.id) ? e.id : fallbackEdgeId(e, i);
    if (usedIds.has(id)) id = fallbackEdgeId(e, i);
    usedIds.add(id);
    const { points, label, isBackward } = routes[i]!;
    return {
      id,
      source: e.source,
      target: e.target,
      type: 'flow',
      data: {
        kind: e.kind,
        count: e.count,
        errors: e.errors,
        errorRatio: ratio,
        p50Ms: e.p50Ms ?? null,
        p95Ms: e.p95Ms ?? null,
        queueP50Ms: e.queueP50Ms ?? null,
        queueP95Ms: e.queueP95Ms ?? null,
        retries: e.retries ?? null,
        lag: e.lag ?? null,
        group: e.group,
        consumer: e.consumer,
        messageType: e.messageType,
        strokeWidth: edgeWidth(e.count, maxCount),
        color: edgeColor(ratio),
        points,
        labelX: Math.round(label.x),
        labelY: Math.round(label.y),
        short: shortOf[i]!,
        details: edgeLabelDetails(e, rangeMs),
        backward: isBackward,
        rankdir,
        raw: e,
      },
    };
  });
  return { nodes: positioned, edges: outEdges, rankdir, bounds: boundsOf(positioned, outEdges) };
}

/**
 * What stays lit when a node or an edge is hovered or selected: a node with its edges and their other
 * ends (a service and its consumer-group tabs count as one), or an edge with its two ends.
 */
export function neighbourhood(
  nodes: readonly { id: string; data: { attachedTo?: string } }[],
  edges: readonly { id: string; source: string; target: string }[],
  focus: { type: 'node' | 'edge'; id: string } | null,
): { nodes: Set<string>; edges: Set<string> } | null {
  if (!focus) return null;
  const blockOf = new Map<string, string>();
  for (const n of nodes) blockOf.set(n.id, n.data.attachedTo ?? n.id);
  const members = (id: string) => {
    const b = blockOf.get(id) ?? id;
    return nodes.filter((n) => (blockOf.get(n.id) ?? n.id) === b).map((n) => n.id);
  };
  const litNodes = new Set<string>();
  const litEdges = new Set<string>();
  if (focus.type === 'edge') {
    const e = edges.find((x) => x.id === focus.id);
    if (!e) return null;
    litEdges.add(e.id);
    litNodes.add(e.source).add(e.target);
    return { nodes: litNodes, edges: litEdges };
  }
  if (!blockOf.has(focus.id)) return null;
  const block = new Set(members(focus.id));
  for (const id of block) litNodes.add(id);
  for (const e of edges) {
    if (!block.has(e.source) && !block.has(e.target)) continue;
    litEdges.add(e.id);
    litNodes.add(e.source).add(e.target);
  }
  return { nodes: litNodes, edges: litEdges };
}

function isSync(e: { kind: string }): boolean {
  return e.kind === 'call' || e.kind === 'peer';
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * An edge's route: out of the source's downstream face (bottom in TB, right in LR), through dagre's
 * bend points, into the target's upstream face. A backward edge leaves upstream and enters
 * downstream, so it runs against the flow beside it instead of looping round a node.
 */
function route(src: Rect, dst: Rect, inner: Point[], tb: boolean, backward: boolean): Point[] {
  const toward = (p: Point | undefined, other: Rect) => p ?? { x: other.x + other.width / 2, y: other.y + other.height / 2 };
  const face = (r: Rect, towards: Point, downstream: boolean): { at: Point; stub: Point } => {
    if (tb) {
      const x = clamp(towards.x, r.x + 14, r.x + r.width - 14);
      const y = downstream ? r.y + r.height : r.y;
      return { at: { x, y }, stub: { x, y: y + (downstream ? STUB : -STUB) } };
    }
    const y = clamp(towards.y, r.y + 12, r.y + r.height - 12);
    const x = downstream ? r.x + r.width : r.x;
    return { at: { x, y }, stub: { x: x + (downstream ? STUB : -STUB), y } };
  };
  const start = face(src, toward(inner[0], dst), !backward);
  const end = face(dst, toward(inner[inner.length - 1], src), backward);
  const pts = [start.at, start.stub, ...inner, end.stub, end.at];
  return pts.map((p) => ({ x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 }));
}

/**
 * Ports on one face: each as close as it can be to where its edge comes from (sorted `wanted`),
 * at least `gap` apart, within [lo, hi]; evenly spread when the face is too short for the gaps.
 */
export function spreadPorts(wanted: readonly number[], lo: number, hi: number, gap: number): number[] {
  const n = wanted.length;
  if ((n - 1) * gap > hi - lo) return wanted.map((_, k) => r1(lo + ((k + 0.5) * (hi - lo)) / n));
  const p = wanted.map((w) => clamp(w, lo, hi));
  for (let k = 1; k < n; k++) p[k] = Math.max(p[k]!, p[k - 1]! + gap);
  if (p[n - 1]! > hi) {
    p[n - 1] = hi;
    for (let k = n - 2; k >= 0; k--) p[k] = Math.min(p[k]!, p[k + 1]! - gap);
  }
  return p.map(r1);
}

/**
 * Pulls a route straight: from each kept point, jump to the farthest later point whose straight
 * segment crosses no obstacle (other nodes and label slots). The faces, their stubs and the label
 * point stay, so the edge still leaves and enters square and passes through its label.
 */
export function straighten(points: readonly Point[], label: Point | null, obstacles: readonly Rect[]): Point[] {
  if (points.length <= 4) return [...points];
  const middle = points.slice(1, -1); // stub … stub
  const li = label ? middle.findIndex((p) => Math.abs(p.x - label.x) < 1 && Math.abs(p.y - label.y) < 1) : -1;
  const pull = (run: Point[]): Point[] => {
    const out = [run[0]!];
    let i = 0;
    while (i < run.length - 1) {
      let j = run.length - 1;
      while (j > i + 1 && obstacles.some((o) => segmentHitsRect(run[i]!, run[j]!, o, 4))) j--;
      out.push(run[j]!);
      i = j;
    }
    return out;
  };
  const pulled = li > 0 && li < middle.length - 1
    ? [...pull(middle.slice(0, li + 1)), ...pull(middle.slice(li)).slice(1)]
    : pull(middle);
  return [points[0]!, ...pulled, points[points.length - 1]!];
}

/** Whether segment a–b passes through rectangle r grown by `margin` (Liang–Barsky clipping). */
export function segmentHitsRect(a: Point, b: Point, r: Rect, margin = 0): boolean {
  const x0 = r.x - margin, x1 = r.x + r.width + margin, y0 = r.y - margin, y1 = r.y + r.height + margin;
  const dx = b.x - a.x, dy = b.y - a.y;
  let t0 = 0, t1 = 1;
  for (const [p, q] of [[-dx, a.x - x0], [dx, x1 - a.x], [-dy, a.y - y0], [dy, y1 - a.y]] as const) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

function midpoint(points: readonly Point[]): Point {
  const a = points[0]!;
  const b = points[points.length - 1]!;
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

/**
 * A smooth SVG path through every point (so it passes its label slot) that never overshoots:
 * monotone cubic interpolation of the cross-flow coordinate over the along-flow one (Steffen's
 * method), as layered-graph drawings do. Where the route doubles back, it falls back to steps
 * whose tangents run along the flow.
 */
export function smoothPath(points: readonly Point[], rankdir: RankDir = 'TB'): string {
  if (points.length === 0) return '';
  // t: along the flow (y in TB, x in LR), v: across it
  const t = points.map((p) => (rankdir === 'TB' ? p.y : p.x));
  const v = points.map((p) => (rankdir === 'TB' ? p.x : p.y));
  const xy = (tt: number, vv: number) => (rankdir === 'TB' ? `${r1(vv)},${r1(tt)}` : `${r1(tt)},${r1(vv)}`);
  let d = `M ${xy(t[0]!, v[0]!)}`;
  const n = points.length;
  if (n === 1) return d;
  const h = t.slice(1).map((ti, i) => ti - t[i]!);
  const monotone = h.every((hi) => hi > 0) || h.every((hi) => hi < 0);
  if (!monotone) {
    for (let i = 1; i < n; i++) {
      const mid = (t[i]! - t[i - 1]!) / 2;
      d += mid === 0 ? ` L ${xy(t[i]!, v[i]!)}` : ` C ${xy(t[i - 1]! + mid, v[i - 1]!)} ${xy(t[i]! - mid, v[i]!)} ${xy(t[i]!, v[i]!)}`;
    }
    return d;
  }
  const s = h.map((hi, i) => (v[i + 1]! - v[i]!) / hi);
  const m = new Array<number>(n);
  for (let i = 1; i < n - 1; i++) {
    const p = (s[i - 1]! * h[i]! + s[i]! * h[i - 1]!) / (h[i - 1]! + h[i]!);
    m[i] = (Math.sign(s[i - 1]!) + Math.sign(s[i]!)) * Math.min(Math.abs(s[i - 1]!), Math.abs(s[i]!), 0.5 * Math.abs(p)) || 0;
  }
  m[0] = n > 2 ? (3 * s[0]! - m[1]!) / 2 : s[0]!;
  m[n - 1] = n > 2 ? (3 * s[n - 2]! - m[n - 2]!) / 2 : s[n - 2]!;
  for (let i = 0; i < n - 1; i++) {
    const third = h[i]! / 3;
    d += ` C ${xy(t[i]! + third, v[i]! + m[i]! * third)} ${xy(t[i + 1]! - third, v[i + 1]! - m[i + 1]! * third)} ${xy(t[i + 1]!, v[i + 1]!)}`;
  }
  return d;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

function boundsOf(nodes: readonly PositionedNode[], edges: readonly PositionedEdge[]): Bounds {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  const add = (x: number, y: number, w = 0, h = 0) => {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + w); y1 = Math.max(y1, y + h);
  };
  for (const n of nodes) add(n.position.x, n.position.y, n.width, n.height);
  for (const e of edges) {
    for (const p of e.data.points) add(p.x, p.y);
    const w = labelWidth(e.data.short);
    add(e.data.labelX - w / 2, e.data.labelY - LABEL_HEIGHT / 2, w, LABEL_HEIGHT);
  }
  if (!Number.isFinite(x0)) return { x: 0, y: 0, width: 0, height: 0 };
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
