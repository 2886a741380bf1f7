// The flow map's shapes: what /api/topology gives (loosened where the map tolerates more) and the
// positioned nodes and edges the layout returns for React Flow.
import type { EdgeLag, TopologyEdge, TopologyNode } from '../../analysis/graph.js';

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

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
