// How to read the flow map, folded away once the reader knows.
import { EDGE_COLORS } from '@/lib/ui/layout';

export function FlowGuide({ groupBy }: { groupBy?: string }) {
  return (
    <details className="guide" data-testid="flow-guide">
      <summary>How to read this map</summary>
      <p>
        <span className="key service">service</span> boxes are your services;{' '}
        <span className="key destination">destination</span> boxes are topics, queues and exchanges (with their messaging
        system); <span className="key group">consumer group</span> boxes hang under the service that consumes as that
        group (shown where the group name differs from the service); <span className="key peer">peer</span> boxes are
        databases or HTTP endpoints that send no spans.
      </p>
      <p>
        Solid arrows follow messages: a service <b>publishes</b> to a destination, the destination <b>delivers</b> to each
        consumer group. Dashed arrows are synchronous calls. Labels show throughput, error rate and p95 duration; deliver
        arrows add <b>queue p95</b> (deliver start − publish end) and <b>lag</b> (messages published but not yet
        delivered, with the status when not OK). Thicker = more traffic;{' '}
        <span style={{ color: EDGE_COLORS.warn }}>amber</span> = some errors, <span style={{ color: EDGE_COLORS.error }}>red</span>{' '}
        = 5% or more.{' '}
        {groupBy === 'messageType'
          ? 'Arrows are split by message type, so the map reads as the flow of events and commands.'
          : '“Split by message type” redraws the map per event or command type.'}{' '}
        Click a box or an arrow (or its label) for details and links to its requests, lag and anomalies; scroll to zoom,
        drag to pan.
      </p>
    </details>
  );
}
