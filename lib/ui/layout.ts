// Flow-map layout: turns /api/topology nodes and edges into positioned React Flow nodes and styled
// edges, left → right with dagre. Pure (no React, no DOM), so it runs on the server or in a
// memo and is unit-tested on its own.
import { Graph, layout as dagreLayout } from '@dagrejs/dagre';
import type { EdgeLag, TopologyEdge, TopologyNode } from '../analysis/graph.js';
import { errorRatio } from './format.js';

/** The node kinds the map draws; anything else the API sends is drawn as a service-like box. */
export type FlowNodeKind = 'service' | 'destination' | 'messageType' | 'consumerGroup' | 'peer';

/** The /api/topology shapes (lib/analysis/graph.ts), loosened where the map tolerates more. */
export type TopologyNodeInput = Omit<TopologyNode, 'kind'> & { kind: string };
export type TopologyEdgeInput = Omit<TopologyEdge, 'kind' | 'p50Ms' | 'p95Ms' | 'id'> & {
  id?: string;
  kind: string;
  p50Ms?: number | null;
  p95Ms?: number | null;
  messageType?: string;
};

export interface FlowNodeData extends Record<string, unknown> {
  label: string;
  kind: FlowNodeKind;
  rawKind: string;
  system?: string;
  /** what an attached edge says about this node: messages in/out, errors */
  inCount: number;
  outCount: number;
  errors: number;
  raw: TopologyNodeInput;
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
  lag: EdgeLag | null;
  group?: string;
  /** deliver edges drawn into a consumer-group node: the consuming service's label */
  consumer?: string;
  messageType?: string;
  /** index among edges between the same two nodes, and how many there are (to fan labels out) */
  parallelIndex: number;
  parallelCount: number;
  strokeWidth: number;
  color: string;
  raw: TopologyEdgeInput;
}

export interface PositionedNode {
  id: string;
  type: FlowNodeKind;
  position: { x: number; y: number };
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

export const NODE_SIZE: Record<FlowNodeKind, { width: number; height: number }> = {
  service: { width: 180, height: 56 },
  destination: { width: 190, height: 58 },
  messageType: { width: 190, height: 58 },
  consumerGroup: { width: 180, height: 42 },
  peer: { width: 170, height: 46 },
};

/** vertical gap between a service and the consumer-group nodes stacked under it */
const GROUP_GAP = 8;

export function nodeKindOf(kind: string): FlowNodeKind {
  const k = kind.toLowerCase().replace(/[_\s-]/g, '');
  if (k === 'destination' || k === 'topic' || k === 'queue' || k === 'exchange') return 'destination';
  if (k === 'messagetype') return 'messageType';
  if (k === 'consumergroup' || k === 'group') return 'consumerGroup';
  if (k === 'peer' || k === 'external' || k === 'database' || k === 'externalpeer') return 'peer';
  return 'service';
}

/** Edge colours: grey-blue healthy, amber some errors, red ≥ 5% errors. */
export const EDGE_COLORS = { ok: '#64748b', warn: '#d97706', error: '#dc2626' } as const;

export function edgeColor(ratio: number): string {
  return ratio >= 0.05 ? EDGE_COLORS.error : ratio > 0 ? EDGE_COLORS.warn : EDGE_COLORS.ok;
}

/** Stroke width grows with the log of the volume, relative to the busiest edge: 1.5 … 7 px. */
export function edgeWidth(count: number, maxCount: number): number {
  if (!(count > 0) || !(maxCount > 0)) return 1.5;
  const r = Math.log10(count + 1) / Math.log10(maxCount + 1);
  return Math.round((1.5 + 5.5 * r) * 10) / 10;
}

function fallbackEdgeId(e: TopologyEdgeInput, i: number): string {
  return `${e.kind}:${e.source}->${e.target}#${e.group ?? ''}#${e.messageType ?? ''}#${i}`;
}

/**
 * Deliver edges of a consumer group that differs from its service (Kafka groups, RabbitMQ queues)
 * end at the group's node, which the layout stacks right under its service, so the group is
 * visible on the map without adding a column.
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

/** Lays out the flow map. Edges whose endpoints are missing from `nodes` are dropped. */
export function layoutFlowMap(
  nodes: readonly TopologyNodeInput[],
  edges: readonly TopologyEdgeInput[],
): { nodes: PositionedNode[]; edges: PositionedEdge[] } {
  const ids = new Set(nodes.map((n) => n.id));
  const kept = routeThroughGroups(nodes, edges).filter((e) => ids.has(e.source) && ids.has(e.target));

  // Consumer-group nodes hang under their service: the service and its groups are one block for
  // dagre, and edges to a group are laid out as edges to that block.
  const sortedNodes = [...nodes].sort((a, b) => a.id.localeCompare(b.id));
  const attachedTo = new Map<string, string>();
  const groupsOf = new Map<string, string[]>();
  for (const n of sortedNodes) {
    if (nodeKindOf(n.kind) !== 'consumerGroup' || !n.service || !ids.has(n.service)) continue;
    attachedTo.set(n.id, n.service);
    groupsOf.set(n.service, [...(groupsOf.get(n.service) ?? []), n.id]);
  }
  const blockOf = (id: string) => attachedTo.get(id) ?? id;
  const blockSize = (id: string) => {
    const size = NODE_SIZE[nodeKindOf(sortedNodes.find((n) => n.id === id)?.kind ?? 'service')];
    const groups = groupsOf.get(id)?.length ?? 0;
    return {
      width: groups ? Math.max(size.width, NODE_SIZE.consumerGroup.width) : size.width,
      height: size.height + groups * (NODE_SIZE.consumerGroup.height + GROUP_GAP),
    };
  };

  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 120, edgesep: 20, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  // Insert in a stable order so the same data always gives the same picture.
  for (const n of sortedNodes) if (!attachedTo.has(n.id)) g.setNode(n.id, blockSize(n.id));
  // Messaging edges decide the columns; a synchronous call joins the layout only when it does not
  // close a cycle (a consumer calling its producer back would otherwise stretch the map).
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
  const addLayoutEdge = (v: string, w: string, name: string) => {
    g.setEdge(v, w, { weight: 1, minlen: 1 }, name);
    if (!succ.has(v)) succ.set(v, new Set());
    succ.get(v)!.add(w);
  };
  const messagingFirst = kept.map((e, i) => ({ e, i })).sort((a, b) => Number(isSync(a.e)) - Number(isSync(b.e)) || a.i - b.i);
  for (const { e, i } of messagingFirst) {
    const v = blockOf(e.source);
    const w = blockOf(e.target);
    if (v === w) continue;
    if (isSync(e) && reaches(w, v)) continue;
    addLayoutEdge(v, w, `e${i}`);
  }
  dagreLayout(g);
  const topLeft = new Map<string, { x: number; y: number }>();
  for (const n of sortedNodes) {
    if (attachedTo.has(n.id)) continue;
    const p = g.node(n.id) as { x: number; y: number } | undefined;
    const size = blockSize(n.id);
    const x = Math.round((p?.x ?? 0) - size.width / 2);
    const y = Math.round((p?.y ?? 0) - size.height / 2);
    topLeft.set(n.id, { x, y });
    let gy = y + NODE_SIZE[nodeKindOf(n.kind)].height + GROUP_GAP;
    for (const gid of groupsOf.get(n.id) ?? []) {
      topLeft.set(gid, { x, y: gy });
      gy += NODE_SIZE.consumerGroup.height + GROUP_GAP;
    }
  }

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
    const size = NODE_SIZE[kind];
    return {
      id: n.id,
      type: kind,
      position: topLeft.get(n.id) ?? { x: 0, y: 0 },
      width: size.width,
      height: size.height,
      data: {
        label: n.label || n.id,
        kind,
        rawKind: n.kind,
        system: n.system,
        inCount: inCount.get(n.id) ?? 0,
        outCount: outCount.get(n.id) ?? 0,
        errors: errs.get(n.id) ?? 0,
        raw: n,
      },
    };
  });

  const maxCount = Math.max(0, ...kept.map((e) => e.count));
  const usedIds = new Set<string>();
  const pairTotals = new Map<string, number>();
  for (const e of kept) pairTotals.set(pairKey(e), (pairTotals.get(pairKey(e)) ?? 0) + 1);
  const pairSeen = new Map<string, number>();
  const outEdges: PositionedEdge[] = kept.map((e, i) => {
    const pk = pairKey(e);
    const idx = pairSeen.get(pk) ?? 0;
    pairSeen.set(pk, idx + 1);
    const ratio = errorRatio(e.errors, e.count);
    let id = e.id && !usedIds.has(e.id) ? e.id : fallbackEdgeId(e, i);
    if (usedIds.has(id)) id = fallbackEdgeId(e, i);
    usedIds.add(id);
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
        lag: e.lag ?? null,
        group: e.group,
        consumer: e.consumer,
        messageType: e.messageType,
        parallelIndex: idx,
        parallelCount: pairTotals.get(pk) ?? 1,
        strokeWidth: edgeWidth(e.count, maxCount),
        color: edgeColor(ratio),
        raw: e,
      },
    };
  });
  return { nodes: positioned, edges: outEdges };
}

function isSync(e: { kind: string }): boolean {
  return e.kind === 'call' || e.kind === 'peer';
}

/** Unordered pair, so A→B and B→A also fan out instead of overlapping. */
function pairKey(e: { source: string; target: string }): string {
  return e.source < e.target ? `${e.source}\u0000${e.target}` : `${e.target}\u0000${e.source}`;
}

/**
 * The lines of an edge label, kept short so a busy map stays readable: rate and error rate,
 * p95 duration and (deliver edges) queue p95, then lag when messages wait or the status is not OK.
 * The consumer group is not repeated: it is the node the deliver edge ends at.
 */
export function edgeLabelLines(d: FlowEdgeData, rangeMs: number, fmt: {
  rate: (count: number, rangeMs: number) => string;
  pct: (r: number) => string;
  dur: (ms: number | null) => string;
  count: (n: number) => string;
}): string[] {
  const lines: string[] = [];
  if (d.messageType) lines.push(d.messageType);
  lines.push(`${fmt.rate(d.count, rangeMs)}${d.errors > 0 ? ` · ${fmt.pct(d.errorRatio)} err` : ''}`);
  const timing: string[] = [];
  if (d.p95Ms != null) timing.push(`p95 ${fmt.dur(d.p95Ms)}`);
  if (d.kind === 'deliver' && d.queueP95Ms != null) timing.push(`queue ${fmt.dur(d.queueP95Ms)}`);
  if (timing.length) lines.push(timing.join(' · '));
  if (d.kind === 'deliver' && d.lag && (d.lag.backlog > 0 || d.lag.status !== 'OK')) {
    lines.push(`lag ${fmt.count(d.lag.backlog)} ${d.lag.backlog === 1 ? 'msg' : 'msgs'}${d.lag.status !== 'OK' ? ` · ${d.lag.status}` : ''}`);
  }
  return lines;
}
