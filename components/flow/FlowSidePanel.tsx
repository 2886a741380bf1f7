'use client';
// Details of the selected node or edge, with links to the filtered request list, lag and
// anomalies; with nothing selected, a short guide to reading the map.
import Link from 'next/link';
import { DEAD_LETTER_HELP, brokerLine } from '@/lib/ui/flowmap/wording';
import type { PositionedEdge, PositionedNode } from '@/lib/ui/flowmap/types';
import { formatCount, formatDurationMs, formatMessages, formatPercent, formatRate } from '@/lib/ui/format';
import { links, type TimeParams } from '@/lib/ui/url';
import type { FlowSelection } from './selection';

const KIND_TEXT: Record<string, string> = {
  publish: 'publish (service → destination)',
  deliver: 'deliver (destination → consumer)',
  call: 'synchronous call',
  peer: 'call to an external peer',
};

export function FlowSidePanel({
  selection,
  nodes,
  edges,
  time,
  rangeMs,
  onSelect,
}: {
  selection: FlowSelection;
  nodes: PositionedNode[];
  edges: PositionedEdge[];
  time: TimeParams;
  rangeMs: number;
  onSelect: (s: FlowSelection) => void;
}) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const label = (id: string) => byId.get(id)?.data.label ?? id;

  if (selection?.type === 'node') {
    const n = byId.get(selection.id);
    if (!n) return <Missing what="node" id={selection.id} onSelect={onSelect} />;
    const d = n.data;
    const incoming = edges.filter((e) => e.target === n.id);
    const outgoing = edges.filter((e) => e.source === n.id);
    const extras = Object.entries(d.raw).filter(
      ([k, v]) => !['id', 'kind', 'label', 'system'].includes(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'),
    );
    return (
      <aside className="side-panel" data-testid="side-panel">
        <Close onSelect={onSelect} />
        <h2>{d.label}</h2>
        <div className="help">
          {d.kind === 'service' && 'A service (OpenTelemetry service.name).'}
          {d.kind === 'messageType' && 'A message type (CloudEvents type, configured attribute, else the destination): who sends it and who receives it.'}
          {d.kind === 'destination' && !d.deadLetter && `A destination${d.system ? ` on ${d.system}` : ''}: services publish to it and consumer groups receive from it.`}
          {d.kind === 'destination' && d.deadLetter && `A ${DEAD_LETTER_HELP}.`}
          {d.kind === 'consumerGroup' && 'A consumer group sharing the work of a destination.'}
          {d.kind === 'peer' && 'An external peer (database, HTTP or RPC endpoint) that sends no spans itself.'}
        </div>
        <dl>
          <dt>kind</dt>
          <dd>{d.rawKind}</dd>
          {d.system ? (<><dt>system</dt><dd>{d.system}</dd></>) : null}
          <dt>in</dt>
          <dd>{formatCount(d.inCount)} ({formatRate(d.inCount, rangeMs)})</dd>
          <dt>out</dt>
          <dd>{formatCount(d.outCount)} ({formatRate(d.outCount, rangeMs)})</dd>
          <dt>errors in</dt>
          <dd>{formatCount(d.errors)}</dd>
          {extras.map(([k, v]) => (
            <FragmentKV key={k} k={k} v={String(v)} />
          ))}
          {d.raw.broker ? (
            <>
              <dt title="the broker's own count for the most lagging consumer group (OTLP metrics from the Collector's kafkametrics / rabbitmq receiver)">broker</dt>
              <dd data-testid="side-broker">{brokerLine(d.raw.broker)}{d.raw.broker.consumerGroup ? ` · group ${d.raw.broker.consumerGroup}` : ''}</dd>
            </>
          ) : null}
        </dl>
        <EdgeList title="Incoming" edges={incoming} label={label} rangeMs={rangeMs} onSelect={onSelect} from />
        <EdgeList title="Outgoing" edges={outgoing} label={label} rangeMs={rangeMs} onSelect={onSelect} />
        <div className="side-links">
          {d.kind === 'service' && (
            <>
              <Link href={links.requests(time, { service: d.label })}>Requests through {d.label} →</Link>
              <Link href={links.requests(time, { service: d.label, errorOnly: true })}>Failed requests through {d.label} →</Link>
              <Link href={links.lag(time, { group: d.label })}>Lag of its consumer groups →</Link>
            </>
          )}
          {d.kind === 'destination' && (
            <>
              <Link href={links.requests(time, { destination: d.label })}>Requests through {d.label} →</Link>
              <Link href={links.lag(time, { destination: d.label })}>Consumer lag on {d.label} →</Link>
              <Link href={links.anomalies(time, { destination: d.label })}>Duplicates and reorderings on {d.label} →</Link>
            </>
          )}
          {d.kind === 'messageType' && (
            <Link href={links.requests(time, { attribute: `cloudevents.event_type=${d.label}` })}>Requests carrying {d.label} →</Link>
          )}
          {d.kind === 'consumerGroup' && (
            <>
              <Link href={links.lag(time, { group: d.label })}>Lag of {d.label} →</Link>
              <Link href={links.anomalies(time, { group: d.label })}>Anomalies of {d.label} →</Link>
            </>
          )}
        </div>
      </aside>
    );
  }

  if (selection?.type === 'edge') {
    const e = edges.find((x) => x.id === selection.id);
    if (!e) return <Missing what="connection" id={selection.id} onSelect={onSelect} />;
    const d = e.data;
    const src = byId.get(e.source);
    const dst = byId.get(e.target);
    const destination = src?.data.kind === 'destination' ? src.data.label : dst?.data.kind === 'destination' ? dst.data.label : undefined;
    const service = d.kind === 'deliver' ? (d.consumer ?? dst?.data.label) : src?.data.label;
    return (
      <aside className="side-panel" data-testid="side-panel">
        <Close onSelect={onSelect} />
        <h2>
          {label(e.source)} → {label(e.target)}
        </h2>
        <div className="help">{KIND_TEXT[d.kind] ?? d.kind}{d.messageType ? ` of ${d.messageType}` : ''}</div>
        <dl>
          {d.group ? (<><dt>consumer group</dt><dd>{d.group}</dd></>) : null}
          {d.consumer ? (<><dt>consuming service</dt><dd>{d.consumer}</dd></>) : null}
          {d.messageType ? (<><dt>message type</dt><dd>{d.messageType}</dd></>) : null}
          <dt>{d.kind === 'publish' ? 'messages published' : d.kind === 'deliver' ? 'deliveries' : 'calls'}</dt>
          <dd>{formatCount(d.count)} ({formatRate(d.count, rangeMs)})</dd>
          <dt>errors</dt>
          <dd>{formatCount(d.errors)} ({formatPercent(d.errorRatio)})</dd>
          {d.retries != null ? (
            <>
              <dt title="deliveries marked as redelivered (a retry after a failed attempt)">retries</dt>
              <dd>{formatCount(d.retries)} ({formatPercent(d.count ? d.retries / d.count : 0)})</dd>
            </>
          ) : null}
          <dt>latency p50</dt>
          <dd>{formatDurationMs(d.p50Ms)}</dd>
          <dt>latency p95</dt>
          <dd>{formatDurationMs(d.p95Ms)}</dd>
          {d.kind === 'deliver' ? (
            <>
              <dt title="deliver start − publish end">queue time p50</dt>
              <dd>{formatDurationMs(d.queueP50Ms)}</dd>
              <dt title="deliver start − publish end">queue time p95</dt>
              <dd>{formatDurationMs(d.queueP95Ms)}</dd>
              <dt title="published but not yet delivered to this group, in messages">backlog</dt>
              <dd>{d.lag == null ? '–' : formatMessages(d.lag.backlog)}</dd>
              <dt title="age of the oldest published-but-undelivered message">oldest waiting</dt>
              <dd>{d.lag == null ? '–' : formatDurationMs(d.lag.oldestUndeliveredAgeMs)}</dd>
              {d.lag?.offsetLag != null ? (<><dt>offset lag</dt><dd>{formatCount(d.lag.offsetLag)}</dd></>) : null}
              <dt>lag status</dt>
              <dd>{d.lag?.status ?? '–'}</dd>
              {d.raw.broker ? (
                <>
                  <dt title="what the broker itself reports for this group (OTLP metrics from the Collector's kafkametrics / rabbitmq receiver)">broker</dt>
                  <dd data-testid="side-broker">{brokerLine(d.raw.broker)}</dd>
                </>
              ) : null}
            </>
          ) : null}
        </dl>
        <div className="side-links">
          {destination ? (
            <Link href={links.requests(time, { destination })}>Requests through {destination} →</Link>
          ) : service ? (
            <Link href={links.requests(time, { service })}>Requests through {service} →</Link>
          ) : null}
          {d.errors > 0 && service ? (
            <Link href={links.requests(time, { service, errorOnly: true })}>Failed requests in {service} →</Link>
          ) : null}
          {d.kind === 'deliver' && destination ? (
            <>
              <Link href={links.lag(time, { destination, group: d.group })}>Lag of {d.group ?? 'this group'} on {destination} →</Link>
              <Link href={links.anomalies(time, { destination, group: d.group })}>Duplicates and reorderings →</Link>
            </>
          ) : null}
        </div>
      </aside>
    );
  }

  return null;
}

/** A selection (from a link) that is not on the map in this range: said, not silently dropped. */
function Missing({ what, id, onSelect }: { what: string; id: string; onSelect: (s: FlowSelection) => void }) {
  return (
    <aside className="side-panel" data-testid="side-panel-missing">
      <Close onSelect={onSelect} />
      <h2>Not on the map</h2>
      <p className="help">
        The selected {what} <code>{id}</code> has no traffic in this time range. Widen the range, or close this to
        clear the selection.
      </p>
    </aside>
  );
}

function FragmentKV({ k, v }: { k: string; v: string }) {
  return (
    <>
      <dt>{k}</dt>
      <dd>{v}</dd>
    </>
  );
}

function EdgeList({
  title,
  edges,
  label,
  rangeMs,
  onSelect,
  from,
}: {
  title: string;
  edges: PositionedEdge[];
  label: (id: string) => string;
  rangeMs: number;
  onSelect: (s: FlowSelection) => void;
  from?: boolean;
}) {
  if (edges.length === 0) return null;
  return (
    <>
      <h3>{title}</h3>
      <ul style={{ margin: 0, paddingLeft: 16, fontSize: 13 }}>
        {edges.map((e) => (
          <li key={e.id}>
            <button className="linkbtn" onClick={() => onSelect({ type: 'edge', id: e.id })}>
              {from ? label(e.source) : label(e.target)}
            </button>{' '}
            <span className="faint">
              {e.data.kind}
              {e.data.group ? ` (${e.data.group})` : ''}
              {e.data.messageType ? ` ${e.data.messageType}` : ''} · {formatRate(e.data.count, rangeMs)}
              {e.data.errors ? ` · ${formatPercent(e.data.errorRatio)} err` : ''}
              {e.data.retries ? ` · ${formatPercent(e.data.retries / (e.data.count || 1))} retry` : ''}
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}

function Close({ onSelect }: { onSelect: (s: FlowSelection) => void }) {
  return (
    <button className="panel-close" onClick={() => onSelect(null)} aria-label="close details" title="close">
      ×
    </button>
  );
}
