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
  service: { width: 190, height: 60 },
  destination: { width: 210, height: 64 },
  messageType: { width: 210, height: 64 },
  consumerGroup: { width: 180, height: 48 },
  peer: { width: 170, height: 48 },
};

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
 * are drawn destination → group → service, so the group is visible on the map; the group → service
 * step is a thin 'member' edge.
 */
export function routeThroughGroups(nodes: readonly TopologyNodeInput[], edges: readonly TopologyEdgeInput[]): (TopologyEdgeInput & { consumer?: string })[] {
  const groupNode = new Map<string, string>();
  const labelOf = new Map(nodes.map((n) => [n.id, n.label] as const));
  for (const n of nodes) if (nodeKindOf(n.kind) === 'consumerGroup' && n.service) groupNode.set(`${n.service}\u0000${n.label}`, n.id);
  const out: (TopologyEdgeInput & { consumer?: string })[] = [];
  const members = new Map<string, TopologyEdgeInput>();
  for (const e of edges) {
    const gid = e.kind === 'deliver' && e.group ? groupNode.get(`${e.target}\u0000${e.group}`) : undefined;
    if (!gid) {
      out.push(e);
      continue;
    }
    out.push({ ...e, id: e.id ? `${e.id}@group` : undefined, target: gid, consumer: labelOf.get(e.target) });
    const m = members.get(gid);
    if (m) {
      m.count += e.count;
      m.errors += e.errors;
    } else {
      members.set(gid, { id: `member:${gid}->${e.target}`, source: gid, target: e.target, kind: 'member', count: e.count, errors: e.errors });
    }
  }
  return [...out, ...members.values()];
}

/** Lays out the flow map. Edges whose endpoints are missing from `nodes` are dropped. */
export function layoutFlowMap(
  nodes: readonly TopologyNodeInput[],
  edges: readonly TopologyEdgeInput[],
): { nodes: PositionedNode[]; edges: PositionedEdge[] } {
  const ids = new Set(nodes.map((n) => n.id));
  const kept = routeThroughGroups(nodes, edges).filter((e) => ids.has(e.source) && ids.has(e.target));

  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 36, ranksep: 170, edgesep: 24, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  // Insert in a stable order so the same data always gives the same picture.
  const sortedNodes = [...nodes].sort((a, b) => a.id.localeCompare(b.id));
  for (const n of sortedNodes) g.setNode(n.id, { ...NODE_SIZE[nodeKindOf(n.kind)] });
  kept.forEach((e, i) => {
    if (e.source !== e.target) g.setEdge(e.source, e.target, { weight: 1, minlen: 1 }, `e${i}`);
  });
  dagreLayout(g);

  const inCount = new Map<string, number>();
  const outCount = new Map<string, number>();
  const errs = new Map<string, number>();
  for (const e of kept) {
    if (e.kind === 'member') continue;
    outCount.set(e.source, (outCount.get(e.source) ?? 0) + e.count);
    inCount.set(e.target, (inCount.get(e.target) ?? 0) + e.count);
    errs.set(e.target, (errs.get(e.target) ?? 0) + e.errors);
  }

  const positioned: PositionedNode[] = sortedNodes.map((n) => {
    const kind = nodeKindOf(n.kind);
    const size = NODE_SIZE[kind];
    const p = g.node(n.id) as { x: number; y: number } | undefined;
    return {
      id: n.id,
      type: kind,
      // dagre gives centres; React Flow wants the top-left corner
      position: { x: Math.round((p?.x ?? 0) - size.width / 2), y: Math.round((p?.y ?? 0) - size.height / 2) },
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
        strokeWidth: e.kind === 'member' ? 1.5 : edgeWidth(e.count, maxCount),
        color: e.kind === 'member' ? '#86efac' : edgeColor(ratio),
        raw: e,
      },
    };
  });
  return { nodes: positioned, edges: outEdges };
}

/** Unordered pair, so A→B and B→A also fan out instead of overlapping. */
function pairKey(e: { source: string; target: string }): string {
  return e.source < e.target ? `${e.source}\u0000${e.target}` : `${e.target}\u0000${e.source}`;
}

/** The lines of an edge label, shortest first: rate and errors, latency, queue time and lag. */
export function edgeLabelLines(d: FlowEdgeData, rangeMs: number, fmt: {
  rate: (count: number, rangeMs: number) => string;
  pct: (r: number) => string;
  dur: (ms: number | null) => string;
  count: (n: number) => string;
}): string[] {
  if (d.kind === 'member') return [];
  const lines: string[] = [];
  const head = [d.messageType, d.kind === 'deliver' && d.group ? `group ${d.group}` : undefined].filter(Boolean).join(' · ');
  if (head) lines.push(head);
  lines.push(`${fmt.rate(d.count, rangeMs)}${d.errors > 0 ? ` · ${fmt.pct(d.errorRatio)} err` : ''}`);
  if (d.p95Ms != null) lines.push(`p95 ${fmt.dur(d.p95Ms)}`);
  if (d.kind === 'deliver') {
    const q: string[] = [];
    if (d.queueP95Ms != null) q.push(`queue p95 ${fmt.dur(d.queueP95Ms)}`);
    if (d.lag != null) q.push(`lag ${fmt.count(d.lag.backlog)} msgs${d.lag.status && d.lag.status !== 'OK' ? ` ${d.lag.status}` : ''}`);
    if (q.length) lines.push(q.join(' · '));
  }
  return lines;
}
