'use client';
// Custom React Flow nodes: service, destination (topic/queue/exchange with its messaging system),
// consumer group and external peer. Memoized; registered once at module scope in FlowMap.
import { memo } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { FlowNodeData } from '@/lib/ui/layout';
import { serviceColor } from '@/lib/ui/colors';
import { formatCount } from '@/lib/ui/format';

type FlowNode = Node<FlowNodeData>;

const hidden = { opacity: 0, width: 6, height: 6, border: 0 } as const;

function Handles() {
  return (
    <>
      <Handle type="target" position={Position.Left} style={hidden} isConnectable={false} />
      <Handle type="source" position={Position.Right} style={hidden} isConnectable={false} />
    </>
  );
}

function traffic(d: FlowNodeData): string {
  const parts: string[] = [];
  if (d.inCount) parts.push(`${formatCount(d.inCount)} in`);
  if (d.outCount) parts.push(`${formatCount(d.outCount)} out`);
  return parts.join(' · ');
}

export const ServiceNode = memo(function ServiceNode({ data, selected }: NodeProps<FlowNode>) {
  return (
    <div
      className={`fnode service${selected ? ' selected' : ''}${data.errors ? ' has-errors' : ''}`}
      style={{ ['--svc' as string]: serviceColor(data.label) }}
      data-testid="flow-node"
      data-kind="service"
      data-label={data.label}
    >
      <Handles />
      <div className="title" title={data.label}>{data.label}</div>
      <div className="sub">service · {traffic(data) || 'calls only'}</div>
    </div>
  );
});

/** What a destination is called on its messaging system (the API gives the system only). */
function destinationWord(system?: string): string {
  const s = (system ?? '').toLowerCase();
  if (s === 'kafka' || s === 'pulsar' || s === 'eventhubs') return 'topic';
  if (s === 'rabbitmq') return 'exchange';
  if (s === 'aws_sqs' || s === 'activemq' || s === 'servicebus' || s === 'jms') return 'queue';
  return 'destination';
}

export const DestinationNode = memo(function DestinationNode({ data, selected }: NodeProps<FlowNode>) {
  const word = destinationWord(data.system);
  return (
    <div
      className={`fnode destination${selected ? ' selected' : ''}`}
      data-testid="flow-node"
      data-kind="destination"
      data-label={data.label}
    >
      <Handles />
      <div className="title" title={data.label}>
        <span aria-hidden>{word === 'exchange' ? '⇉ ' : '≡ '}</span>
        {data.label}
      </div>
      <div className="sub">
        {data.system ? <span className="badge system">{data.system}</span> : null} {word}
      </div>
    </div>
  );
});

export const MessageTypeNode = memo(function MessageTypeNode({ data, selected }: NodeProps<FlowNode>) {
  return (
    <div className={`fnode messageType${selected ? ' selected' : ''}`} data-testid="flow-node" data-kind="messageType" data-label={data.label}>
      <Handles />
      <div className="title" title={data.label}>✉ {data.label}</div>
      <div className="sub">
        {data.system ? <span className="badge system">{data.system}</span> : null} message type
      </div>
    </div>
  );
});

export const ConsumerGroupNode = memo(function ConsumerGroupNode({ data, selected }: NodeProps<FlowNode>) {
  return (
    <div className={`fnode consumerGroup${selected ? ' selected' : ''}`} data-testid="flow-node" data-kind="consumerGroup" data-label={data.label}>
      <Handles />
      <div className="title" title={data.label}>{data.label}</div>
      <div className="sub">consumer group · {formatCount(data.inCount)} delivered</div>
    </div>
  );
});

export const PeerNode = memo(function PeerNode({ data, selected }: NodeProps<FlowNode>) {
  const peerKind = data.raw.peerKind || 'external';
  return (
    <div className={`fnode peer${selected ? ' selected' : ''}`} data-testid="flow-node" data-kind="peer" data-label={data.label}>
      <Handles />
      <div className="title" title={data.label}>{data.label}</div>
      <div className="sub">{peerKind} · no spans of its own</div>
    </div>
  );
});
