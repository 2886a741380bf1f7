'use client';
// The flow map canvas: nodes, edge routes and label slots come from the server (layoutFlowMap, a
// pure function); this component renders them with React Flow, opens at a readable zoom, and
// tracks hover (neighbourhood highlight) and selection (side panel, kept in the URL as ?sel=).
// Live refreshes hand it new layout objects every few seconds: node objects are rebuilt only when
// the geometry changes (their numbers reach the nodes through a context), so React Flow does not
// re-measure them and hide the edges; the viewport, selection and hover are this component's state.
import '@xyflow/react/dist/style.css';
import { createContext, memo, useCallback, useContext, useEffect, useMemo, useRef, useState, type ComponentType } from 'react';
import { Background, Controls, MarkerType, MiniMap, ReactFlow, type Edge, type Node, type NodeProps, type ReactFlowInstance } from '@xyflow/react';
import { initialViewport } from '@/lib/ui/flowmap/viewport';
import { neighbourhood } from '@/lib/ui/flowmap/highlight';
import type { FlowLayout, FlowNodeData } from '@/lib/ui/flowmap/types';
import { ConsumerGroupNode, DestinationNode, MessageTypeNode, PeerNode, ServiceNode } from './FlowNodes';
import { FlowEdge, type FlowEdgeType } from './FlowEdge';
import { FlowSidePanel } from './FlowSidePanel';
import { LookContext, SelectContext, sameSelection, type FlowSelection } from './selection';
import { PatternMarksContext } from '@/components/patterns/PatternBadge';
import type { PatternMark } from '@/components/patterns/marks';
import type { TimeParams } from '@/lib/ui/url';

/** The current data of every node by id: new numbers on a live refresh without new node objects. */
const NodeDataContext = createContext<ReadonlyMap<string, FlowNodeData>>(new Map());

/** A node type that draws its node with the latest data from the context, not its node object's. */
function withLiveData(Inner: ComponentType<NodeProps<Node<FlowNodeData>>>) {
  return memo(function LiveNode(props: NodeProps<Node<FlowNodeData>>) {
    const data = useContext(NodeDataContext).get(props.id) ?? props.data;
    return <Inner {...props} data={data} />;
  });
}

// Module scope: a new object per render would make React Flow re-mount every node.
const nodeTypes = {
  service: withLiveData(ServiceNode),
  destination: withLiveData(DestinationNode),
  messageType: withLiveData(MessageTypeNode),
  consumerGroup: withLiveData(ConsumerGroupNode),
  peer: withLiveData(PeerNode),
};

/** `?sel=node:<id>` / `?sel=edge:<id>` ⇄ a selection. */
export function parseSel(raw: string | undefined): FlowSelection {
  const m = raw ? /^(node|edge):(.+)$/.exec(raw) : null;
  return m ? { type: m[1] as 'node' | 'edge', id: m[2]! } : null;
}
const selParam = (s: FlowSelection) => (s ? `${s.type}:${s.id}` : null);

/** Writes the selection into the address bar without a navigation (no fetch, no scroll jump). */
function writeSelection(s: FlowSelection) {
  const url = new URL(window.location.href);
  const v = selParam(s);
  if (v) url.searchParams.set('sel', v);
  else url.searchParams.delete('sel');
  if (url.href !== window.location.href) window.history.replaceState(null, '', url); // Next keeps its router state
}
const edgeTypes = { flow: FlowEdge };

const MINIMAP_COLORS: Record<string, string> = { service: '#93c5fd', destination: '#fcd34d', messageType: '#c4b5fd', consumerGroup: '#86efac', peer: '#cbd5e1' };
const MINIMAP_DEAD_LETTER = '#fca5a5';

const MIN_CANVAS_HEIGHT = 460;

/** Smallest zoom the map opens at: node names stay ≥ 13px and edge labels ≥ 11px on screen. */
const READABLE_ZOOM = 0.85;

export function FlowMap({
  layout,
  time,
  rangeMs,
  sel,
  alerts,
  patterns,
}: {
  layout: FlowLayout;
  time: TimeParams;
  rangeMs: number;
  /** the URL's ?sel= when the page was loaded */
  sel?: string;
  /** edge id → names of the firing alert rules that mark it (lib/alerts/map.ts) */
  alerts?: Record<string, string[]>;
  /** the patterns view: node id → its pattern badges (components/patterns/marks.ts) */
  patterns?: Record<string, PatternMark[]>;
}) {
  const { nodes, edges, bounds, rankdir } = layout;
  const [selection, setSelection] = useState<FlowSelection>(() => parseSel(sel));
  const [hovered, setHovered] = useState<FlowSelection>(null);
  // the minimap only earns its corner when the map does not fit the canvas
  const [overflows, setOverflows] = useState(false);
  const canvasRef = useRef<HTMLDivElement>(null);
  // The canvas fills the window below the page header, whatever the header's height; the map is
  // drawn once that height is known, so its initial viewport is computed for the real canvas.
  const [canvasHeight, setCanvasHeight] = useState<number | null>(null);
  useEffect(() => {
    const fit = () => {
      const el = canvasRef.current;
      if (!el) return;
      const top = el.getBoundingClientRect().top + window.scrollY;
      setCanvasHeight(Math.max(MIN_CANVAS_HEIGHT, Math.round(window.innerHeight - top - 16)));
    };
    fit();
    window.addEventListener('resize', fit);
    return () => window.removeEventListener('resize', fit);
  }, []);
  const lit = useMemo(() => neighbourhood(nodes, edges, hovered ?? selection), [nodes, edges, hovered, selection]);

  // Stable across hover and selection (see selection.ts) and across live refreshes whose geometry
  // is unchanged: only a moved, resized, added or removed node makes new node objects.
  const geometry = JSON.stringify(nodes.map((n) => [n.id, n.type, n.position.x, n.position.y, n.width, n.height, !!n.data.deadLetter]));
  const latestNodes = useRef(nodes);
  latestNodes.current = nodes;
  const rfNodes: Node<FlowNodeData>[] = useMemo(
    () => latestNodes.current.map((n) => ({ id: n.id, type: n.type, position: n.position, data: n.data, width: n.width, height: n.height })),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the geometry string is the dependency
    [geometry],
  );
  const nodeData = useMemo(() => new Map(nodes.map((n) => [n.id, n.data])), [nodes]);
  const look = useMemo(() => ({ selection, lit }), [selection, lit]);
  const rfEdges: FlowEdgeType[] = useMemo(
    () =>
      edges.map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        type: 'flow' as const,
        data: { ...e.data, dim: !!lit && !lit.edges.has(e.id), expanded: hovered?.type === 'edge' && hovered.id === e.id, alert: alerts?.[e.id] },
        selected: selection?.type === 'edge' && selection.id === e.id,
        zIndex: lit?.edges.has(e.id) ? 1 : 0,
        markerEnd: { type: MarkerType.ArrowClosed, color: e.data.color, width: 16, height: 16, markerUnits: 'userSpaceOnUse' },
      })),
    [edges, selection, hovered, lit, alerts],
  );

  const onInit = useCallback(
    (rf: ReactFlowInstance<Node<FlowNodeData>, FlowEdgeType>) => {
      const el = canvasRef.current;
      if (!el) return;
      const vp = initialViewport(
        bounds,
        { width: el.clientWidth, height: el.clientHeight },
        { rankdir, minZoom: READABLE_ZOOM },
      );
      void rf.setViewport(vp);
      setOverflows(bounds.width * vp.zoom > el.clientWidth || bounds.height * vp.zoom > el.clientHeight);
    },
    [bounds, rankdir],
  );
  // Setting the element already set keeps the state object: no render, no new neighbourhood.
  const select = useCallback((s: FlowSelection) => setSelection((prev) => (sameSelection(prev, s) ? prev : s)), []);
  useEffect(() => writeSelection(selection), [selection]);
  const hover = useCallback((s: FlowSelection) => setHovered((prev) => (sameSelection(prev, s) ? prev : s)), []);
  const onNodeClick = useCallback((_: unknown, n: Node) => select({ type: 'node', id: n.id }), [select]);
  const onEdgeClick = useCallback((_: unknown, e: Edge) => select({ type: 'edge', id: e.id }), [select]);
  const onPaneClick = useCallback(() => select(null), [select]);
  const onNodeEnter = useCallback((_: unknown, n: Node) => hover({ type: 'node', id: n.id }), [hover]);
  const onEdgeEnter = useCallback((_: unknown, e: Edge) => hover({ type: 'edge', id: e.id }), [hover]);
  const onLeave = useCallback(() => hover(null), [hover]);
  const interaction = useMemo(() => ({ select, hover }), [select, hover]);

  return (
    <SelectContext.Provider value={interaction}>
      <NodeDataContext.Provider value={nodeData}>
      <PatternMarksContext.Provider value={patterns}>
      <LookContext.Provider value={look}>
        <div className="flow-wrap">
          <div className="flow-canvas" data-testid="flow-map" data-rankdir={rankdir} ref={canvasRef} style={canvasHeight ? { height: canvasHeight } : undefined}>
            {canvasHeight ? (
              <ReactFlow
                nodes={rfNodes}
                edges={rfEdges}
                nodeTypes={nodeTypes}
                edgeTypes={edgeTypes}
                onInit={onInit}
                onNodeClick={onNodeClick}
                onEdgeClick={onEdgeClick}
                onPaneClick={onPaneClick}
                onNodeMouseEnter={onNodeEnter}
                onNodeMouseLeave={onLeave}
                onEdgeMouseEnter={onEdgeEnter}
                onEdgeMouseLeave={onLeave}
                nodesDraggable={false}
                nodesConnectable={false}
                elementsSelectable
                fitViewOptions={{ padding: 0.04 }}
                minZoom={0.2}
                maxZoom={2}
              >
                <Background gap={24} color="#eceef2" />
                <Controls showInteractive={false} position="bottom-left" />
                {overflows ? <MiniMap pannable zoomable nodeColor={(n) => (n.data?.deadLetter ? MINIMAP_DEAD_LETTER : (MINIMAP_COLORS[n.type ?? ''] ?? '#ddd'))} style={{ width: 150, height: 100 }} /> : null}
              </ReactFlow>
            ) : null}
          </div>
          <FlowSidePanel selection={selection} nodes={nodes} edges={edges} time={time} rangeMs={rangeMs} onSelect={select} />
        </div>
      </LookContext.Provider>
      </PatternMarksContext.Provider>
      </NodeDataContext.Provider>
    </SelectContext.Provider>
  );
}
