'use client';
// A flow-map edge: a curve whose width shows volume and colour shows errors, with a label of
// rate, error rate, p95 latency and, for deliver edges, queue time and lag. Parallel edges
// between the same two nodes fan out so their labels do not overlap.
import { memo } from 'react';
import { BaseEdge, EdgeLabelRenderer, useStore, type Edge, type EdgeProps } from '@xyflow/react';
import { edgeLabelLines, type FlowEdgeData } from '@/lib/ui/layout';
import { formatCount, formatDurationMs, formatPercent, formatRate } from '@/lib/ui/format';
import { useSelect } from './selection';

export type FlowEdgeType = Edge<FlowEdgeData & { rangeMs: number }, 'flow'>;

const FMT = { rate: formatRate, pct: formatPercent, dur: formatDurationMs, count: formatCount };

export const FlowEdge = memo(function FlowEdge(props: EdgeProps<FlowEdgeType>) {
  const { sourceX, sourceY, targetX, targetY, data, markerEnd, selected } = props;
  const select = useSelect();
  // Labels shrink with the map; below 80% zoom they shrink less, so a whole map stays legible.
  const zoom = useStore((st) => st.transform[2]);
  const labelScale = Math.min(1.35, Math.max(1, 0.7 / zoom));
  if (!data) return null;
  const offset = (data.parallelIndex - (data.parallelCount - 1) / 2) * 40;
  let path: string;
  let labelX: number;
  let labelY: number;
  if (targetX >= sourceX - 20) {
    const dx = Math.max(50, (targetX - sourceX) / 2);
    const c1x = sourceX + dx;
    const c2x = targetX - dx;
    path = `M ${sourceX},${sourceY} C ${c1x},${sourceY + offset} ${c2x},${targetY + offset} ${targetX},${targetY}`;
    // point at t = 0.5 of the cubic
    labelX = (sourceX + 3 * c1x + 3 * c2x + targetX) / 8;
    labelY = (sourceY + targetY) / 2 + 0.75 * offset;
  } else {
    // backwards (a call back to an earlier column): loop out right, arc over, come in from the left
    const lift = Math.min(sourceY, targetY) - 70 - Math.min(160, (sourceX - targetX) * 0.08) + offset;
    path = `M ${sourceX},${sourceY} C ${sourceX + 90},${sourceY} ${sourceX + 60},${lift} ${sourceX - 40},${lift} L ${targetX + 40},${lift} C ${targetX - 60},${lift} ${targetX - 90},${targetY} ${targetX},${targetY}`;
    labelX = (sourceX + targetX) / 2;
    labelY = lift;
  }
  const lines = edgeLabelLines(data, data.rangeMs, FMT);
  const dashed = data.kind === 'call' || data.kind === 'peer';
  return (
    <>
      <BaseEdge
        id={props.id}
        path={path}
        markerEnd={markerEnd}
        interactionWidth={18}
        style={{
          stroke: data.color,
          strokeWidth: selected ? data.strokeWidth + 1.5 : data.strokeWidth,
          strokeDasharray: dashed ? '6 4' : undefined,
          opacity: 0.9,
        }}
      />
      <EdgeLabelRenderer>
        <div
          className={`flow-edge-label nodrag nopan${data.errors > 0 ? ' error' : ''}${selected ? ' selected' : ''}`}
          style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px) scale(${labelScale})`, zIndex: selected ? 10 : undefined }}
          data-testid="flow-edge-label"
          data-kind={data.kind}
          data-group={data.group ?? ''}
          data-source={props.source}
          data-target={props.target}
          onClick={() => select({ type: 'edge', id: props.id })}
        >
          {lines.map((l, i) => (
            <div key={i} className={i === 0 && data.messageType ? 'head' : undefined}>{l}</div>
          ))}
        </div>
      </EdgeLabelRenderer>
    </>
  );
});
