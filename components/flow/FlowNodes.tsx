'use client';
// Custom React Flow nodes: service, destination (topic/queue/exchange with its messaging system),
// message type, consumer group and external peer. Memoized; registered once at module scope in
// FlowMap. Their boxes are sized by the layout (lib/ui/flowmap/text.ts) from the same font sizes.
import { memo } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { DEAD_LETTER_HELP, brokerLine, destinationWord, nodeSubtitle } from '@/lib/ui/flowmap/wording';
import type { FlowNodeData } from '@/lib/ui/flowmap/types';
import { serviceColor } from '@/lib/ui/colors';
import { useNodeLook } from './selection';
import { PatternBadge } from '@/components/patterns/PatternBadge';

type FlowNode = Node<FlowNodeData>;

const hidden = { opacity: 0, width: 6, height: 6, border: 0, pointerEvents: 'none' } as const;

/** Invisible: edges are routed by the layout, but React Flow wants a handle at each end. */
function Handles({ rankdir }: { rankdir: FlowNodeData['rankdir'] }) {
  const tb = rankdir === 'TB';
  return (
    <>
      <Handle type="target" position={tb ? Position.Top : Position.Left} style={hidden} isConnectable={false} />
      <Handle type="source" position={tb ? Position.Bottom : Position.Right} style={hidden} isConnectable={false} />
    </>
  );
}

export const ServiceNode = memo(function ServiceNode({ id, data }: NodeProps<FlowNode>) {
  const { selected, dim } = useNodeLook(id);
  return (
    <div
      className={`fnode service${selected ? ' selected' : ''}${dim ? ' dim' : ''}${data.errors ? ' has-errors' : ''}`}
      style={{ ['--svc' as string]: serviceColor(data.label) }}
      data-testid="flow-node"
      data-kind="service"
      data-label={data.label}
    >
      <Handles rankdir={data.rankdir} />
      <PatternBadge nodeId={id} />
      <div className="title" title={data.label}>{data.label}</div>
      <div className="sub">service</div>
    </div>
  );
});

export const DestinationNode = memo(function DestinationNode({ id, data }: NodeProps<FlowNode>) {
  const { selected, dim } = useNodeLook(id);
  const word = destinationWord(data.system);
  const deadLetter = !!data.deadLetter;
  return (
    <div
      className={`fnode destination${deadLetter ? ' dead-letter' : ''}${selected ? ' selected' : ''}${dim ? ' dim' : ''}`}
      data-testid="flow-node"
      data-kind="destination"
      data-label={data.label}
      data-dead-letter={deadLetter ? 'true' : undefined}
      title={deadLetter ? `${data.label}: ${DEAD_LETTER_HELP}` : undefined}
    >
      <Handles rankdir={data.rankdir} />
      <PatternBadge nodeId={id} />
      <div className="title" title={deadLetter ? undefined : data.label}>
        <span className="icon" aria-hidden>{deadLetter ? '⊘' : word === 'exchange' ? '⇉' : '≡'}</span>
        {data.label}
      </div>
      <div className="sub" title={data.raw.broker ? `broker: ${brokerLine(data.raw.broker)}${data.raw.broker.consumerGroup ? `, group ${data.raw.broker.consumerGroup}` : ''}` : undefined}>
        {nodeSubtitle('destination', data.system, undefined, deadLetter, data.raw.broker)}
      </div>
    </div>
  );
});

export const MessageTypeNode = memo(function MessageTypeNode({ id, data }: NodeProps<FlowNode>) {
  const { selected, dim } = useNodeLook(id);
  return (
    <div className={`fnode messageType${selected ? ' selected' : ''}${dim ? ' dim' : ''}`} data-testid="flow-node" data-kind="messageType" data-label={data.label}>
      <Handles rankdir={data.rankdir} />
      <PatternBadge nodeId={id} />
      <div className="title" title={data.label}>
        <span className="icon" aria-hidden>✉</span>
        {data.label}
      </div>
      <div className="sub">{nodeSubtitle('messageType', data.system)}</div>
    </div>
  );
});

export const ConsumerGroupNode = memo(function ConsumerGroupNode({ id, data }: NodeProps<FlowNode>) {
  const { selected, dim } = useNodeLook(id);
  return (
    <div
      className={`fnode consumerGroup${selected ? ' selected' : ''}${dim ? ' dim' : ''}`}
      data-testid="flow-node"
      data-kind="consumerGroup"
      data-label={data.label}
      title={data.serviceLabel ? `consumer group ${data.label} of ${data.serviceLabel}` : `consumer group ${data.label}`}
    >
      <Handles rankdir={data.rankdir} />
      <div className="title" title={data.label}>{data.label}</div>
      <div className="sub">consumer group</div>
    </div>
  );
});

export const PeerNode = memo(function PeerNode({ id, data }: NodeProps<FlowNode>) {
  const { selected, dim } = useNodeLook(id);
  return (
    <div className={`fnode peer${selected ? ' selected' : ''}${dim ? ' dim' : ''}`} data-testid="flow-node" data-kind="peer" data-label={data.label}>
      <Handles rankdir={data.rankdir} />
      <div className="title" title={data.label}>{data.label}</div>
      <div className="sub">{nodeSubtitle('peer', undefined, data.raw.peerKind)}</div>
    </div>
  );
});
