'use client';
// A flow-map edge: a curve along the route the layout computed (width = volume, colour = errors)
// and a short label in the slot dagre reserved for it (rate, error %, lag status). Hovering or
// selecting the edge expands the label to the full metrics; a hovered neighbourhood dims the rest.
import { memo } from 'react';
import { BaseEdge, EdgeLabelRenderer, type Edge, type EdgeProps } from '@xyflow/react';
import { smoothPath } from '@/lib/ui/flowmap/path';
import type { FlowEdgeData } from '@/lib/ui/flowmap/types';
import { useHover, useSelect } from './selection';

export type FlowEdgeType = Edge<FlowEdgeData & { dim: boolean; expanded: boolean; alert?: string[] }, 'flow'>;

export const FlowEdge = memo(function FlowEdge(props: EdgeProps<FlowEdgeType>) {
  const { data, markerEnd, selected } = props;
  const select = useSelect();
  const hover = useHover();
  if (!data) return null;
  const dashed = data.kind === 'call' || data.kind === 'peer';
  const lit = data.expanded || selected;
  return (
    <>
      <BaseEdge
        id={props.id}
        path={smoothPath(data.points, data.rankdir)}
        markerEnd={markerEnd}
        interactionWidth={16}
        style={{
          stroke: data.color,
          strokeWidth: lit ? data.strokeWidth + 1.5 : data.strokeWidth,
          strokeDasharray: dashed ? '6 4' : undefined,
          opacity: data.dim ? 0.15 : 0.85,
          transition: 'opacity 120ms',
        }}
      />
      <EdgeLabelRenderer>
        <div
          className={`flow-edge-label nodrag nopan${data.errors > 0 ? ' error' : ''}${selected ? ' selected' : ''}${data.dim ? ' dim' : ''}${lit ? ' expanded' : ''}`}
          style={{ transform: `translate(-50%, ${lit ? '-11px' : '-50%'}) translate(${data.labelX}px, ${data.labelY}px)` }}
          data-testid="flow-edge-label"
          data-kind={data.kind}
          data-group={data.group ?? ''}
          data-source={props.source}
          data-target={props.target}
          onClick={() => select({ type: 'edge', id: props.id })}
          onMouseEnter={() => hover({ type: 'edge', id: props.id })}
          onMouseLeave={() => hover(null)}
        >
          <div className="short">
            {data.alert?.length ? (
              <span className="badge danger" data-testid="flow-edge-alert" title={`firing alert: ${data.alert.join(', ')}`} style={{ marginRight: 4, fontSize: 10 }}>
                ALERT
              </span>
            ) : null}
            {data.short.map((p, i) => (
              <span key={i}>
                {i ? ' ' : null}
                <span className={`part ${p.tone}`}>{p.text}</span>
              </span>
            ))}
          </div>
          {lit ? (
            <div className="details" data-testid="flow-edge-details">
              {data.details.map((l, i) => (
                <div key={i}>{l}</div>
              ))}
            </div>
          ) : null}
        </div>
      </EdgeLabelRenderer>
    </>
  );
});
