// Ranking and placement: dagre ranks the blocks (a service with its consumer-group tabs), then
// every node gets its box and every edge its route and label slot. Pure (no React, no DOM).
import { Graph, layout as dagreLayout } from '@dagrejs/dagre';
import { errorRatio } from '../format.js';
import type { Bounds, FlowLayout, LayoutOptions, Point, PositionedEdge, PositionedNode, RankDir, Rect, TopologyEdgeInput, TopologyNodeInput } from './types.js';
import { LABEL_HEIGHT, labelWidth, nodeBox } from './text.js';
import { edgeLabelDetails, edgeLabelShort, nodeKindOf, nodeSubtitle } from './wording.js';
import { edgeColor, edgeWidth } from './edge-style.js';
import { midpoint, route, spreadPorts, straighten } from './routing.js';

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
    boxOf.set(n.id, nodeBox(kind, n.label || n.id, nodeSubtitle(kind, n.system, n.peerKind, n.deadLetter, n.broker)));
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

function isSync(e: { kind: string }): boolean {
  return e.kind === 'call' || e.kind === 'peer';
}

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
