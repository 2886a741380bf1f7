// Builds the flow map (nodes + edges) from aggregated edge rows. Pure: no I/O, no clock; the SQL in
// topology.ts produces the rows, this decides what is a node, how edges are keyed and labelled.
import { lagSeverity, type LagStatus } from '../domain.js';
import type { BrokerLag, NodeBrokerLag } from './broker-lag.js';

export type TopologyGroupBy = 'destination' | 'messageType';

export type NodeKind = 'service' | 'destination' | 'messageType' | 'consumerGroup' | 'peer';
export type EdgeKind = 'publish' | 'deliver' | 'call' | 'peer';

export interface TopologyNode {
  id: string;
  kind: NodeKind;
  label: string;
  /** messaging system of a destination / message type node (kafka, rabbitmq …) */
  system?: string;
  /** for peer nodes: database | http | rpc | service */
  peerKind?: string;
  /** for consumer group nodes: the service node consuming as this group */
  service?: string;
  /** destination nodes: a dead-letter destination (naming conventions or configuration, dead-letter.ts) */
  deadLetter?: true;
  /** destination nodes: the broker's own count for its most lagging group (broker metrics, broker-lag.ts) */
  broker?: NodeBrokerLag;
}

export interface TopologyEdge {
  id: string;
  source: string;
  target: string;
  kind: EdgeKind;
  count: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  /** deliver edges: deliveries marked as redelivered / retried (where the store can tell) */
  retries?: number;
  /** deliver edges: the consumer group */
  group?: string;
  /** deliver edges: queue time (deliver start − publish end) over the hops that found their publish span */
  queueP50Ms?: number;
  queueP95Ms?: number;
  /** deliver edges: number of messages the queue-time percentiles are based on */
  queueSamples?: number;
  /** deliver edges: current lag of the consumer group on this destination, when known */
  lag?: EdgeLag;
  /** deliver edges: what the broker says of this group (broker metrics, broker-lag.ts) */
  broker?: BrokerLag;
}

/** Current lag of a consumer group on a destination (from lag.ts, as /api/lag reports it). */
export interface EdgeLag {
  /** published but not yet delivered to the group, in messages */
  backlog: number;
  /** age of the oldest published-but-undelivered message, ms */
  oldestUndeliveredAgeMs: number;
  /** where offsets are known on both sides */
  offsetLag: number | null;
  /** Burrow-style status (lib/domain.ts LAG_STATUSES) */
  status: LagStatus;
}

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

/** One aggregated publish or deliver edge from the per-minute rollups. */
export interface MessagingEdgeRow {
  edgeKind: 'publish' | 'deliver';
  service: string;
  system: string;
  destination: string;
  /** '' unless grouped by message type */
  messageType: string;
  /** '' on publish rows */
  consumerGroup: string;
  count: number;
  errors: number;
  /** deliver rows: deliveries marked as redelivered / retried, when known */
  retries?: number;
  p50Ms: number;
  p95Ms: number;
}

/**
 * A consumer seen delivering from a destination in its recent history (the lag look-back), keyed
 * like a deliver MessagingEdgeRow: a group that delivered nothing in the range keeps its edge.
 */
export interface KnownConsumerRow {
  service: string;
  system: string;
  destination: string;
  messageType: string;
  consumerGroup: string;
}

/** Queue-time percentiles of one deliver edge (keyed like its MessagingEdgeRow, without the system). */
export interface QueueTimeRow {
  service: string;
  destination: string;
  messageType: string;
  consumerGroup: string;
  samples: number;
  p50Ms: number;
  p95Ms: number;
}

/**
 * CLIENT spans aggregated by (caller, callee service found as the child SERVER span, peer named by
 * the client span). `target` is '' when no child server span was found.
 */
export interface CallRow {
  service: string;
  target: string;
  peerName: string;
  peerKind: string;
  count: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
}

export interface LagRow {
  destination: string;
  system?: string;
  consumerGroup: string;
  lag: EdgeLag;
}

export interface GraphInput {
  messaging: MessagingEdgeRow[];
  queue?: QueueTimeRow[];
  calls?: CallRow[];
  lag?: LagRow[];
  /** consumers known from the recent history; those without a deliver row get an idle edge */
  known?: KnownConsumerRow[];
  /** whether a destination is a dead-letter destination (default: none is) */
  isDeadLetter?: (destination: string) => boolean;
  groupBy?: TopologyGroupBy;
}

export const nodeId = {
  service: (name: string) => `service:${name}`,
  destination: (system: string, name: string) => `destination:${system}:${name}`,
  messageType: (system: string, type: string) => `messageType:${system}:${type}`,
  consumerGroup: (service: string, group: string) => `group:${service}:${group}`,
  peer: (kind: string, name: string) => `peer:${kind}:${name}`,
};

const KIND_ORDER: Record<NodeKind, number> = { service: 0, destination: 1, messageType: 1, consumerGroup: 2, peer: 3 };
const EDGE_ORDER: Record<EdgeKind, number> = { publish: 0, deliver: 1, call: 2, peer: 3 };

function queueKey(r: { service: string; destination: string; messageType: string; consumerGroup: string }) {
  return [r.service, r.destination, r.messageType, r.consumerGroup].join('\u0000');
}

export function buildTopology(input: GraphInput): Topology {
  const byMessageType = input.groupBy === 'messageType';
  const nodes = new Map<string, TopologyNode>();
  const edges = new Map<string, TopologyEdge>();
  const addNode = (n: TopologyNode) => {
    if (!nodes.has(n.id)) nodes.set(n.id, n);
    return n.id;
  };
  const service = (name: string) => addNode({ id: nodeId.service(name), kind: 'service', label: name });

  const queue = new Map((input.queue ?? []).map((q) => [queueKey(q), q]));
  const lag = new Map((input.lag ?? []).map((l) => [`${l.destination}\u0000${l.consumerGroup}`, l]));
  const isDeadLetter = input.isDeadLetter ?? (() => false);

  // The node messages of a row travel through. Grouped by message type, a dead-letter destination
  // stays a destination of its own: what was dead-lettered must not vanish into its message type.
  const channelOf = (r: { system: string; destination: string; messageType: string }) => {
    const deadLetter = r.destination !== '' && isDeadLetter(r.destination);
    if (byMessageType && !deadLetter) {
      const type = r.messageType || r.destination;
      return addNode({ id: nodeId.messageType(r.system, type), kind: 'messageType', label: type, system: r.system });
    }
    return addNode({
      id: nodeId.destination(r.system, r.destination),
      kind: 'destination',
      label: r.destination,
      system: r.system,
      ...(deadLetter ? { deadLetter: true as const } : {}),
    });
  };
  const deliverEdge = (r: MessagingEdgeRow | KnownConsumerRow, stats: Pick<TopologyEdge, 'count' | 'errors' | 'p50Ms' | 'p95Ms'>): TopologyEdge => {
    const svc = service(r.service);
    const channel = channelOf(r);
    const group = r.consumerGroup || r.service;
    if (group !== r.service) {
      addNode({ id: nodeId.consumerGroup(r.service, group), kind: 'consumerGroup', label: group, service: svc });
    }
    const edge: TopologyEdge = { id: `deliver:${channel}->${svc}#${group}`, source: channel, target: svc, kind: 'deliver', ...stats, group };
    const l = lag.get(`${r.destination}\u0000${group}`);
    if (l) edge.lag = l.lag;
    return edge;
  };

  for (const r of input.messaging) {
    const stats = { count: r.count, errors: r.errors, p50Ms: r.p50Ms, p95Ms: r.p95Ms };
    if (r.edgeKind === 'publish') {
      const svc = service(r.service);
      const channel = channelOf(r);
      mergeEdge(edges, { id: `publish:${svc}->${channel}`, source: svc, target: channel, kind: 'publish', ...stats });
      continue;
    }
    const edge = deliverEdge(r, stats);
    if (r.retries !== undefined) edge.retries = r.retries;
    const q = queue.get(queueKey(r));
    if (q && q.samples > 0) {
      edge.queueP50Ms = q.p50Ms;
      edge.queueP95Ms = q.p95Ms;
      edge.queueSamples = q.samples;
    }
    mergeEdge(edges, edge);
  }

  // A consumer group that delivered nothing in the range is exactly the one a user looks for (a
  // stopped consumer): known from its destination's recent history, it keeps an idle edge (count 0)
  // with its current lag (merged into an edge that exists, it adds only its lag, when worse).
  for (const k of input.known ?? []) mergeEdge(edges, deliverEdge(k, { count: 0, errors: 0, p50Ms: 0, p95Ms: 0 }));

  const knownServices = new Set([...nodes.values()].filter((n) => n.kind === 'service').map((n) => n.label));
  for (const c of input.calls ?? []) knownServices.add(c.service);
  for (const c of input.calls ?? []) if (c.target) knownServices.add(c.target);

  for (const c of input.calls ?? []) {
    const stats = { count: c.count, errors: c.errors, p50Ms: c.p50Ms, p95Ms: c.p95Ms };
    const src = service(c.service);
    if (c.target) {
      // a client span whose child server span is in the same service is internal, not an edge
      if (c.target === c.service) continue;
      const dst = service(c.target);
      mergeEdge(edges, { id: `call:${src}->${dst}`, source: src, target: dst, kind: 'call', ...stats });
      continue;
    }
    if (!c.peerName) continue;
    // No span from the callee: a peer that names a service we know becomes a call edge to it,
    // anything else is an external peer (database, HTTP host, RPC service that sends no spans).
    if (c.peerKind === 'service' && knownServices.has(c.peerName) && c.peerName !== c.service) {
      const dst = service(c.peerName);
      mergeEdge(edges, { id: `call:${src}->${dst}`, source: src, target: dst, kind: 'call', ...stats });
      continue;
    }
    const kind = c.peerKind || 'service';
    const dst = addNode({ id: nodeId.peer(kind, c.peerName), kind: 'peer', label: c.peerName, peerKind: kind });
    mergeEdge(edges, { id: `peer:${src}->${dst}`, source: src, target: dst, kind: 'peer', ...stats });
  }

  return {
    nodes: [...nodes.values()].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.id.localeCompare(b.id)),
    edges: [...edges.values()].sort(
      (a, b) =>
        EDGE_ORDER[a.kind] - EDGE_ORDER[b.kind] ||
        a.source.localeCompare(b.source) ||
        a.target.localeCompare(b.target) ||
        (a.group ?? '').localeCompare(b.group ?? ''),
    ),
  };
}

/**
 * Two rows can land on one edge (e.g. message types that share a name across destinations, or a
 * peer call seen both ways). Counts add; percentiles of a merged edge take the larger of the
 * parts, an upper bound that never understates latency (the exact value needs the digests).
 */
function mergeEdge(edges: Map<string, TopologyEdge>, e: TopologyEdge): void {
  const prev = edges.get(e.id);
  if (!prev) {
    edges.set(e.id, e);
    return;
  }
  prev.count += e.count;
  prev.errors += e.errors;
  if (e.retries !== undefined) prev.retries = (prev.retries ?? 0) + e.retries;
  prev.p50Ms = Math.max(prev.p50Ms, e.p50Ms);
  prev.p95Ms = Math.max(prev.p95Ms, e.p95Ms);
  // Lag is per destination: an edge joining several (a message type sent to two topics) shows the
  // worst of them, so a stuck consumer is never hidden by a healthy one.
  if (e.lag && (!prev.lag || worseLag(e.lag, prev.lag))) prev.lag = e.lag;
  if (e.queueP50Ms !== undefined) {
    prev.queueP50Ms = Math.max(prev.queueP50Ms ?? 0, e.queueP50Ms);
    prev.queueP95Ms = Math.max(prev.queueP95Ms ?? 0, e.queueP95Ms ?? 0);
    prev.queueSamples = (prev.queueSamples ?? 0) + (e.queueSamples ?? 0);
  }
}

/** The more severe status (domain order), or at equal status the larger backlog. */
function worseLag(a: EdgeLag, b: EdgeLag): boolean {
  const d = lagSeverity(a.status) - lagSeverity(b.status);
  return d > 0 || (d === 0 && a.backlog > b.backlog);
}
