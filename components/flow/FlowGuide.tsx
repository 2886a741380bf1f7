// The map's legend (one line above the canvas) and how to read it (a fold-out note).
import { DEAD_LETTER_HELP } from '@/lib/ui/flowmap/wording';
import { EDGE_COLORS } from '@/lib/ui/flowmap/edge-style';

/** `deadLetter`: the map has a dead-letter destination, so the legend explains its look. */
export function FlowLegend({ groupBy, deadLetter }: { groupBy?: string; deadLetter?: boolean }) {
  return (
    <div className="flow-legend" data-testid="flow-guide">
      <div className="legend-line">
        <span className="key service">service</span>
        {groupBy === 'messageType' ? <span className="key messageType">✉ message type</span> : <span className="key destination">≡ topic / queue</span>}
        {deadLetter ? (
          <span className="key deadLetter" title={DEAD_LETTER_HELP} data-testid="legend-dead-letter">
            ⊘ dead-letter
          </span>
        ) : null}
        <span className="key group">consumer group</span>
        <span className="key peer">external peer</span>
        <span className="sep" />
        <span className="edge-key"><svg width="26" height="8" aria-hidden><path d="M1 4 H19" stroke={EDGE_COLORS.ok} strokeWidth="2.5" /><path d="M18 0 L25 4 L18 8 Z" fill={EDGE_COLORS.ok} /></svg>message</span>
        <span className="edge-key"><svg width="26" height="8" aria-hidden><path d="M1 4 H19" stroke={EDGE_COLORS.ok} strokeWidth="2" strokeDasharray="4 3" /><path d="M18 0 L25 4 L18 8 Z" fill={EDGE_COLORS.ok} /></svg>call</span>
        <span className="edge-key"><span className="swatch" style={{ background: EDGE_COLORS.error }} />errors</span>
        <span className="edge-key" title="deliveries marked as redelivered (a retry after a failed attempt), beside the error rate">
          <span className="swatch" style={{ background: '#b45309' }} />retries
        </span>
        <span className="faint">thicker = busier</span>
        <details className="legend-help">
          <summary>How to read this map</summary>
          <div className="legend-help-body">
        <p>
          Messages flow from top to bottom. A <b>service</b> publishes to a <b>topic, queue or exchange</b>; the destination
          delivers to each <b>consumer group</b> (a green tab beside its service when the group is not named after the
          service). Grey dotted boxes are databases or HTTP endpoints that send no spans. Dashed arrows are synchronous calls;
          one that goes back up is a service calling an earlier one.
        </p>
        <p>
          Each arrow says how many per second or minute went along it, the error rate in{' '}
          <span style={{ color: EDGE_COLORS.error }}>red</span> when some failed, beside it the retry rate (deliveries marked as
          redelivered), and the consumer group&apos;s lag status when it is not OK; an <i>idle</i> arrow is a consumer group
          that delivered nothing in the range but consumed there recently (a stopped consumer stays on the map). A red dashed{' '}
          <b>⊘ dead-letter</b> destination is where messages end up that could not be processed. Hover an arrow for p50/p95 durations, queue time (deliver start − publish end) and lag; hover a box to
          light up who it talks to. Click anything for details and links to its requests, lag and anomalies. Scroll to zoom,
          drag to pan.{' '}
          {groupBy === 'messageType'
            ? 'Split by message type: one box per event or command type, so the map reads as the flow of events and commands.'
            : '“Split by message type” redraws the map with one box per event or command type.'}
        </p>
          </div>
        </details>
      </div>
    </div>
  );
}
