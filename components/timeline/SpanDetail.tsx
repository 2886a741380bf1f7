'use client';
// Detail of the selected span: timing, status, messaging fields, its hops, links in both
// directions (same request → focus, elsewhere → navigate), attributes, resource and events.
import Link from 'next/link';
import type { JsonValue, TimelineHop, TimelineLink, TimelineSpan } from '@/lib/analysis/timeline';
import type { SpanMarker } from '@/lib/ui/markers';
import { formatDateTime, formatDurationMs, nsDiffMs, shortId } from '@/lib/ui/format';
import { serviceColor } from '@/lib/ui/colors';
import { links } from '@/lib/ui/url';

export function SpanDetail({
  span, hopsIn, hopsOut, markers, requestStartNs, onFocus, serviceOf, businessKeys = [],
}: {
  /** EVENTSCOPE_BUSINESS_KEYS: a span carrying one links to its business transaction */
  businessKeys?: string[];
  span?: TimelineSpan;
  hopsIn?: TimelineHop[];
  hopsOut?: TimelineHop[];
  markers?: SpanMarker[];
  requestStartNs: string;
  onFocus: (traceId: string, spanId: string) => void;
  serviceOf: (traceId: string, spanId: string) => string | undefined;
}) {
  if (!span) {
    return (
      <aside className="tl-detail" data-testid="span-detail">
        <h2>Span details</h2>
        <p className="help">
          Click a row to see its timing, status, messaging fields, attributes and events, and to follow its links.
          Rows are ordered by cause: a consumer&apos;s span sits under the publish span of the message it received, even
          when it lives in another trace. The hatched segment before a consumer&apos;s bar is the time the message
          waited in its topic or queue (deliver start − publish end).
        </p>
        <p className="help">
          Markers: <span className="tl-marker err">error</span> failed span,{' '}
          <span className="tl-marker skew">retry</span> redelivery after a failure,{' '}
          <span className="tl-marker err">duplicate</span> delivered again after success,{' '}
          <span className="tl-marker anom">out of order</span> ordering inversion,{' '}
          <span className="tl-marker skew">skew</span> timestamps corrected for the host&apos;s clock,{' '}
          <span className="tl-marker link">+2 in batch</span> a batch whose other messages are requests of their own,{' '}
          <span className="tl-marker link">⇢</span> reached through a span link.
        </p>
      </aside>
    );
  }
  const m = span.messaging;
  return (
    <aside className="tl-detail" data-testid="span-detail">
      <h2 style={{ color: serviceColor(span.service) }}>{span.service}</h2>
      <div style={{ fontWeight: 600, marginBottom: 6 }}>{span.name}</div>
      <dl className="kv">
        <dt>kind</dt>
        <dd>{span.kind}</dd>
        <dt>status</dt>
        <dd style={span.status.code === 'ERROR' ? { color: 'var(--error)', fontWeight: 600 } : undefined}>
          {span.status.code}
          {span.status.message ? `: ${span.status.message}` : ''}
        </dd>
        <dt>start</dt>
        <dd>
          {formatDateTime(new Date(Number(BigInt(span.startNs) / 1_000_000n)))} (+{formatDurationMs(nsDiffMs(span.startNs, requestStartNs))})
        </dd>
        <dt>duration</dt>
        <dd>{formatDurationMs(span.durationMs)}</dd>
        <dt>host</dt>
        <dd>{span.host}</dd>
        {span.skewAdjustedMs !== undefined ? (
          <>
            <dt>clock skew</dt>
            <dd>shifted by {formatDurationMs(span.skewAdjustedMs)} (host clock corrected)</dd>
          </>
        ) : null}
        {businessKeys.flatMap((k) => {
          const v = span.attributes[k] ?? span.resource[k];
          if (typeof v !== 'string' && typeof v !== 'number') return [];
          return [
            <div key={k} style={{ display: 'contents' }}>
              <dt>transaction</dt>
              <dd>
                <Link href={`/transactions/${encodeURIComponent(k)}/${encodeURIComponent(String(v))}`} data-testid="transaction-link">
                  transaction {k}={String(v)}
                </Link>
              </dd>
            </div>,
          ];
        })}
        <dt>trace</dt>
        <dd>{span.traceId}</dd>
        <dt>span</dt>
        <dd>{span.spanId}</dd>
        {span.parentSpanId ? (
          <>
            <dt>parent</dt>
            <dd>{span.parentSpanId}</dd>
          </>
        ) : null}
      </dl>
      {markers?.length ? (
        <>
          <h3>Anomalies</h3>
          <ul style={{ margin: 0, paddingLeft: 16, fontSize: 13 }}>
            {markers.map((mk, i) => <li key={i}>{mk.text}</li>)}
          </ul>
        </>
      ) : null}
      {m ? (
        <>
          <h3>Messaging</h3>
          <dl className="kv">
            <dt>operation</dt><dd>{m.operation}</dd>
            {m.system ? (<><dt>system</dt><dd>{m.system}</dd></>) : null}
            {m.destination ? (<><dt>destination</dt><dd>{m.destination}</dd></>) : null}
            {m.partition ? (<><dt>partition</dt><dd>{m.partition}</dd></>) : null}
            {m.offset ? (<><dt>offset</dt><dd>{m.offset}</dd></>) : null}
            {m.consumerGroup ? (<><dt>consumer group</dt><dd>{m.consumerGroup}</dd></>) : null}
            {m.messageId ? (<><dt>message id</dt><dd>{m.messageId}</dd></>) : null}
            {m.key ? (<><dt>key</dt><dd>{m.key}</dd></>) : null}
            {m.messageType ? (<><dt>message type</dt><dd>{m.messageType}</dd></>) : null}
          </dl>
        </>
      ) : null}
      {hopsIn?.length ? (
        <>
          <h3>Received message</h3>
          {hopsIn.map((h, i) => (
            <p key={i} style={{ margin: '4px 0', fontSize: 13 }}>
              from{' '}
              {h.publish ? (
                <button className="linkbtn" onClick={() => onFocus(h.publish!.traceId, h.publish!.spanId)}>
                  {h.publish.service} publish
                </button>
              ) : (
                <span className="faint">a producer outside this request</span>
              )}{' '}
              via <b>{h.destination}</b> as group <b>{h.consumerGroup}</b>; waited{' '}
              <b>{h.queueMs == null ? '–' : formatDurationMs(h.queueMs)}</b> in the queue
              {h.rawQueueMs != null && h.queueMs != null && Math.abs(h.rawQueueMs - h.queueMs) > 0.001
                ? ` (${formatDurationMs(h.rawQueueMs)} by the uncorrected clocks)`
                : ''}
            </p>
          ))}
        </>
      ) : null}
      {hopsOut?.length ? (
        <>
          <h3>Delivered to</h3>
          <ul style={{ margin: 0, paddingLeft: 16, fontSize: 13 }}>
            {hopsOut.map((h, i) => (
              <li key={i}>
                <button className="linkbtn" onClick={() => onFocus(h.deliver.traceId, h.deliver.spanId)}>
                  {h.deliver.service}
                </button>{' '}
                <span className="faint">group {h.consumerGroup} · queue {h.queueMs == null ? '–' : formatDurationMs(h.queueMs)}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {span.otherMessages ? <OtherMessages others={span.otherMessages} /> : null}
      <LinkList title="Links to" list={span.linksOut} onFocus={onFocus} serviceOf={serviceOf} />
      <LinkList title="Linked from" list={span.linksIn} onFocus={onFocus} serviceOf={serviceOf} />
      <Attributes title="Attributes" attrs={span.attributes} />
      {span.events.length ? (
        <>
          <h3>Events</h3>
          {span.events.map((e, i) => (
            <div key={i} style={{ marginBottom: 6 }}>
              <div style={{ fontSize: 13 }}>
                <b>{e.name}</b> <span className="faint">+{formatDurationMs(nsDiffMs(e.timeNs, span.startNs))} into the span</span>
              </div>
              <Attributes attrs={e.attributes} />
            </div>
          ))}
        </>
      ) : null}
      <Attributes title="Resource" attrs={span.resource} />
      <p className="help" style={{ marginTop: 10 }}>
        Scope: {span.scope.name || '–'} {span.scope.version}
      </p>
    </aside>
  );
}

/** The batch's other messages (issue 13): not part of this request, each opens its own. */
function OtherMessages({ others }: { others: NonNullable<TimelineSpan['otherMessages']> }) {
  return (
    <>
      <h3>
        {others.count} other message{others.count === 1 ? '' : 's'} in this batch
      </h3>
      <p className="help" style={{ margin: '2px 0 4px' }}>
        This span consumed a batch. The request follows only the message it came through; each other message is a
        request of its own.
      </p>
      <ul style={{ margin: 0, paddingLeft: 16, fontSize: 13 }} data-testid="other-messages">
        {others.links.map((l) => (
          <li key={`${l.traceId}:${l.spanId}`}>
            <Link href={links.request(l.traceId, l.spanId)} title="open this message's request">
              {l.messageId ? <>message <b>{l.messageId}</b></> : <>producer span {shortId(l.spanId)}</>} in trace {shortId(l.traceId)}… →
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}

function LinkList({
  title, list, onFocus, serviceOf,
}: {
  title: string;
  list: TimelineLink[];
  onFocus: (traceId: string, spanId: string) => void;
  serviceOf: (traceId: string, spanId: string) => string | undefined;
}) {
  if (!list.length) return null;
  return (
    <>
      <h3>{title}</h3>
      <ul style={{ margin: 0, paddingLeft: 16, fontSize: 13 }} data-testid="span-links">
        {list.map((l, i) => {
          const svc = l.service ?? serviceOf(l.traceId, l.spanId);
          return (
            <li key={i}>
              {l.inRequest ? (
                <button className="linkbtn" onClick={() => onFocus(l.traceId, l.spanId)} title="in this request: show it">
                  {svc ?? 'span'} {shortId(l.spanId)} (this request)
                </button>
              ) : (
                <Link href={links.request(l.traceId, l.spanId)} title="in another request: open it">
                  {svc ?? 'span'} {shortId(l.spanId)} in trace {shortId(l.traceId)}… →
                </Link>
              )}
              {Object.keys(l.attributes).length ? <Attributes attrs={l.attributes} /> : null}
            </li>
          );
        })}
      </ul>
    </>
  );
}

function Attributes({ title, attrs }: { title?: string; attrs: Record<string, JsonValue> }) {
  const entries = Object.entries(attrs).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return null;
  return (
    <>
      {title ? <h3>{title}</h3> : null}
      <dl className="kv">
        {entries.map(([k, v]) => (
          <FragmentKV key={k} k={k} v={typeof v === 'string' ? v : JSON.stringify(v)} />
        ))}
      </dl>
    </>
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
