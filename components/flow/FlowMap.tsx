'use client';
// The flow map canvas: positioned nodes and edges come from the server (layoutFlowMap, a pure
// function); this component only renders them with React Flow and tracks the selection.
import '@xyflow/react/dist/style.css';
import { useCallback, useMemo, useState } from 'react';
import { Background, Controls, MarkerType, MiniMap, ReactFlow, type Edge, type Node } from '@xyflow/react';
import type { FlowNodeData, PositionedEdge, PositionedNode } from '@/lib/ui/layout';
import { ConsumerGroupNode, DestinationNode, MessageTypeNode, PeerNode, ServiceNode } from './FlowNodes';
import { FlowEdge, type FlowEdgeType } from './FlowEdge';
import { FlowSidePanel } from './FlowSidePanel';
import { SelectContext, type FlowSelection } from './selection';
import type { RangeKey } from '@/lib/ui/url';

// Module scope: a new object per render would make React Flow re-mount every node.
const nodeTypes = { service: ServiceNode, destination: DestinationNode, messageType: MessageTypeNode, consumerGroup: ConsumerGroupNode, peer: PeerNode };
const edgeTypes = { flow: FlowEdge };

const MINIMAP_COLORS: Record<string, string> = { service: '#93c5fd', destination: '#fcd34d', messageType: '#c4b5fd', consumerGroup: '#86efac', peer: '#cbd5e1' };

export function FlowMap({
  nodes,
  edges,
  range,
  rangeMs,
}: {
  nodes: PositionedNode[];
  edges: PositionedEdge[];
  range: RangeKey;
  rangeMs: number;
}) {
  const [selection, setSelection] = useState<FlowSelection>(null);

  const rfNodes: Node<FlowNodeData>[] = useMemo(
    () =>
      nodes.map((n) => ({
        id: n.id,
        type: n.type,
        position: n.position,
        data: n.data,
        width: n.width,
        height: n.height,
        selected: selection?.type === 'node' && selection.id === n.id,
      })),
    [nodes, selection],
  );
  const rfEdges: FlowEdgeType[] = useMemo(
    () =>
      edges.map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        type: 'flow' as const,
        data: { ...e.data, rangeMs },
        selected: selection?.type === 'edge' && selection.id === e.id,
        markerEnd: { type: MarkerType.ArrowClosed, color: e.data.color, width: 14, height: 14, markerUnits: 'userSpaceOnUse' },
      })),
    [edges, rangeMs, selection],
  );

  const onNodeClick = useCallback((_: unknown, n: Node) => setSelection({ type: 'node', id: n.id }), []);
  const onEdgeClick = useCallback((_: unknown, e: Edge) => setSelection({ type: 'edge', id: e.id }), []);
  const onPaneClick = useCallback(() => setSelection(null), []);

  return (
    <SelectContext.Provider value={setSelection}>
      <div className="flow-wrap">
        <div className="flow-canvas" data-testid="flow-map">
          <ReactFlow
            nodes={rfNodes}
            edges={rfEdges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            onNodeClick={onNodeClick}
            onEdgeClick={onEdgeClick}
            onPaneClick={onPaneClick}
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable
            fitView
            fitViewOptions={{ padding: 0.06, maxZoom: 1.1 }}
            minZoom={0.1}
          >
            <Background gap={22} color="#e5e7eb" />
            <Controls showInteractive={false} />
            <MiniMap pannable zoomable nodeColor={(n) => MINIMAP_COLORS[n.type ?? ''] ?? '#ddd'} />
          </ReactFlow>
        </div>
        <FlowSidePanel selection={selection} nodes={nodes} edges={edges} range={range} rangeMs={rangeMs} onSelect={setSelection} />
      </div>
    </SelectContext.Provider>
  );
}
