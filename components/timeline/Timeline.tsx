'use client';
// The request waterfall: rows flattened once (lib/ui/timeline.ts), collapse state as a set of row
// keys, bars positioned as fractions of the request window, only the rows in view rendered. The
// open span and the row order are kept in the URL (?span=, ?view=service) with history.replaceState.
import Link from 'next/link';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Timeline as TimelineData, TimelineHop, TimelineSpan } from '@/lib/analysis/timeline';
import {
  axisTicks, barOf, collapsibleKeys, flattenTimeline, queueSegments, spanKey, timeWindow, visibleRows, windowSlice,
  type RowModel, type TimelineMode,
} from '@/lib/ui/timeline';
import { anomalyMarkers, type SpanMarker } from '@/lib/ui/markers';
import { serviceColor } from '@/lib/ui/colors';
import { formatDurationMs } from '@/lib/ui/format';
import { SpanDetail } from './SpanDetail';

const ROW_H = 28;

/** Writes one query parameter into the address bar without a navigation (no fetch, no scroll jump). */
function writeParam(name: string, value: string | undefined) {
  const url = new URL(window.location.href);
  if (value) url.searchParams.set(name, value);
  else url.searchParams.delete(name);
  if (url.href !== window.location.href) window.history.replaceState(null, '', url); // Next keeps its router state
}

export function Timeline({ data, initialSpan, initialMode = 'tree', businessKeys = [] }: { data: TimelineData; initialSpan?: string; initialMode?: TimelineMode; businessKeys?: string[] }) {
  const [mode, setMode] = useState<TimelineMode>(initialMode);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState<string | undefined>(() => {
    if (!initialSpan) return undefined;
    const s = data.spans.find((x) => x.spanId === initialSpan);
    return s ? spanKey(s.traceId, s.spanId) : undefined;
  });
  const scrollRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);

  const rows = useMemo(() => flattenTimeline(data.spans, data.hops, mode), [data.spans, data.hops, mode]);
  const shown = useMemo(() => visibleRows(rows, collapsed), [rows, collapsed]);
  const win = useMemo(() => timeWindow(data.spans), [data.spans]);
  const queue = useMemo(() => queueSegments(data.spans, data.hops, win), [data.spans, data.hops, win]);
  const markers = useMemo(() => anomalyMarkers(data.anomalies), [data.anomalies]);
  const hopByDeliver = useMemo(() => {
    const m = new Map<string, TimelineHop[]>();
    for (const h of data.hops) {
      const k = spanKey(h.deliver.traceId, h.deliver.spanId);
      m.set(k, [...(m.get(k) ?? []), h]);
    }
    return m;
  }, [data.hops]);
  const hopsByPublish = useMemo(() => {
    const m = new Map<string, TimelineHop[]>();
    for (const h of data.hops) {
      if (!h.publish) continue;
      const k = spanKey(h.publish.traceId, h.publish.spanId);
      m.set(k, [...(m.get(k) ?? []), h]);
    }
    return m;
  }, [data.hops]);
  const byKey = useMemo(() => new Map(data.spans.map((s) => [spanKey(s.traceId, s.spanId), s])), [data.spans]);
  const ticks = useMemo(() => axisTicks(win, 5), [win]);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewport(el.clientHeight));
    ro.observe(el);
    setViewport(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  /** Select a span and bring it into view, expanding whatever hides it. */
  const focus = useCallback(
    (key: string) => {
      setSelected(key);
      let idx = shown.findIndex((r) => r.key === key);
      if (idx < 0) {
        setCollapsed(new Set());
        idx = rows.findIndex((r) => r.key === key);
      }
      const el = scrollRef.current;
      if (el && idx >= 0) {
        const top = idx * ROW_H;
        if (top < el.scrollTop || top > el.scrollTop + el.clientHeight - ROW_H) el.scrollTop = Math.max(0, top - el.clientHeight / 3);
      }
    },
    [shown, rows],
  );

  // Focus the span named in the URL once, after the first layout.
  const focusedInitially = useRef(false);
  useEffect(() => {
    if (focusedInitially.current || !selected) return;
    focusedInitially.current = true;
    focus(selected);
  }, [focus, selected]);

  const toggle = (key: string) =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  const { start, end } = windowSlice(scrollTop, viewport, ROW_H, shown.length, 12);
  const selectedSpan = selected ? byKey.get(selected) : undefined;
  const selectedSpanId = selectedSpan?.spanId;
  // a span not (yet) in the data keeps its ?span= (it may still arrive); an explicit choice replaces it
  useEffect(() => {
    if (selectedSpanId) writeParam('span', selectedSpanId);
  }, [selectedSpanId]);
  useEffect(() => writeParam('view', mode === 'tree' ? undefined : mode), [mode]);

  return (
    <div className="timeline">
      <div>
        <div className="toolbar" style={{ marginBottom: 8 }}>
          <span className="segmented" role="group" aria-label="Row order">
            <button className={mode === 'tree' ? 'on' : undefined} onClick={() => { setMode('tree'); setCollapsed(new Set()); }}>
              causal tree
            </button>
            <button
              className={mode === 'service' ? 'on' : undefined}
              onClick={() => { setMode('service'); setCollapsed(new Set()); }}
              data-testid="group-by-service"
            >
              grouped by service
            </button>
          </span>
          <button className="btn secondary" onClick={() => setCollapsed(new Set(collapsibleKeys(rows)))}>Collapse all</button>
          <button className="btn secondary" onClick={() => setCollapsed(new Set())}>Expand all</button>
          <span className="help">
            {shown.length} of {rows.filter((r) => r.type === 'span').length} spans shown · bars are to scale;{' '}
            <span className="tl-queue-legend" aria-hidden style={{ display: 'inline-block', width: 26, height: 4, verticalAlign: 'middle', background: 'repeating-linear-gradient(90deg, #818cf8 0 4px, transparent 4px 7px)' }} />{' '}
            = time the message waited in the queue
          </span>
        </div>
        <div className="tl-box" data-testid="timeline">
          <div className="tl-header">
            <div style={{ padding: '6px 10px' }}>service · span</div>
            <div className="ticks" style={{ marginRight: 10 }}>
              {ticks.map((t) => (
                <span key={t.fraction} className="tick" style={{ left: `${t.fraction * 100}%` }}>
                  {formatDurationMs(t.offsetMs)}
                </span>
              ))}
            </div>
          </div>
          <div className="tl-scroll" ref={scrollRef} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
            <div style={{ height: shown.length * ROW_H, position: 'relative' }}>
              {shown.slice(start, end).map((row, i) => (
                <Row
                  key={row.key}
                  row={row}
                  top={(start + i) * ROW_H}
                  collapsed={collapsed.has(row.key)}
                  selected={row.key === selected}
                  onToggle={toggle}
                  onSelect={setSelected}
                  win={win}
                  queue={queue.get(row.key)}
                  hops={hopByDeliver.get(row.key)}
                  markers={markers.get(row.key)}
                />
              ))}
            </div>
          </div>
        </div>
      </div>
      <SpanDetail
        span={selectedSpan}
        hopsIn={selected ? hopByDeliver.get(selected) : undefined}
        hopsOut={selected ? hopsByPublish.get(selected) : undefined}
        markers={selected ? markers.get(selected) : undefined}
        requestStartNs={data.startNs}
        businessKeys={businessKeys}
        onFocus={(traceId, spanId) => focus(spanKey(traceId, spanId))}
        serviceOf={(traceId, spanId) => byKey.get(spanKey(traceId, spanId))?.service}
      />
    </div>
  );
}

const MARKER_CLASS: Record<SpanMarker['type'], string> = {
  retry: 'tl-marker skew',
  duplicate: 'tl-marker err',
  'first-delivery': 'tl-marker link',
  'out-of-order': 'tl-marker anom',
  overtook: 'tl-marker link',
};
const MARKER_TEXT: Record<SpanMarker['type'], string> = {
  retry: 'retry',
  duplicate: 'duplicate',
  'first-delivery': '1st delivery',
  'out-of-order': 'out of order',
  overtook: 'overtook',
};

function Row({
  row, top, collapsed, selected, onToggle, onSelect, win, queue, hops, markers,
}: {
  row: RowModel<TimelineSpan>;
  top: number;
  collapsed: boolean;
  selected: boolean;
  onToggle: (key: string) => void;
  onSelect: (key: string) => void;
  win: ReturnType<typeof timeWindow>;
  queue?: ReturnType<typeof queueSegments> extends Map<string, infer Q> ? Q : never;
  hops?: TimelineHop[];
  markers?: SpanMarker[];
}) {
  if (row.type === 'service') {
    return (
      <div className="tl-row service-row" style={{ position: 'absolute', top, left: 0, right: 0 }} onClick={() => onToggle(row.key)}>
        <div className="tl-name" style={{ paddingLeft: 6 }}>
          <button className="tl-toggle" aria-label={collapsed ? 'expand' : 'collapse'}>{collapsed ? '▸' : '▾'}</button>
          <span className="svc" style={{ color: serviceColor(row.service) }}>{row.service}</span>
          <span className="op">{row.childCount} spans</span>
        </div>
        <div />
      </div>
    );
  }
  const s = row.span;
  const color = serviceColor(s.service);
  const bar = barOf(s.startNs, s.endNs, win);
  const isError = s.status.code === 'ERROR';
  const hop = hops?.[0];
  const indent = Math.min(row.depth, 24) * 10;
  // the duration label goes right of the bar, or left of the bar (and its queue segment) near the end
  const leftEdge = queue ? Math.min(queue.left, bar.left) : bar.left;
  return (
    <div
      className={`tl-row${selected ? ' selected' : ''}`}
      style={{ position: 'absolute', top, left: 0, right: 0 }}
      onClick={() => onSelect(row.key)}
      data-testid="span-row"
      data-span-id={s.spanId}
      data-trace-id={s.traceId}
      data-service={s.service}
    >
      <div className="tl-name" style={{ paddingLeft: 6 + indent }}>
        {row.childCount > 0 ? (
          <button
            className="tl-toggle"
            onClick={(e) => { e.stopPropagation(); onToggle(row.key); }}
            aria-label={collapsed ? 'expand' : 'collapse'}
          >
            {collapsed ? '▸' : '▾'}
          </button>
        ) : (
          <span className="tl-toggle" />
        )}
        {row.via === 'hop' ? <span className="tl-marker link" title="continues in another trace, connected by a span link">⇢</span> : null}
        <span className="svc" style={{ color }}>{s.service}</span>
        <span className="op" title={s.name}>{s.name}</span>
        {isError ? <span className="tl-marker err" title={s.status.message || 'status ERROR'}>error</span> : null}
        {s.skewAdjustedMs !== undefined ? (
          <span className="tl-marker skew" title={`clock of host ${s.host} corrected by ${formatDurationMs(s.skewAdjustedMs)}`}>skew</span>
        ) : null}
        {markers?.filter((m) => m.type !== 'first-delivery').map((m, i) => (
          <span key={i} className={MARKER_CLASS[m.type]} title={m.text} data-testid="anomaly-marker">{MARKER_TEXT[m.type]}</span>
        ))}
        {row.orphan ? <span className="tl-marker skew" title="its parent span was not received">no parent</span> : null}
        {s.otherMessages ? (
          <span className="tl-marker link" title={`${s.otherMessages.count} other messages in this batch, not part of this request: select the span to open them`} data-testid="batch-marker">
            +{s.otherMessages.count} in batch
          </span>
        ) : null}
      </div>
      <div className="tl-bars">
        {queue ? (
          <div
            className="tl-queue"
            data-testid="queue-segment"
            style={{ left: `${queue.left * 100}%`, width: `${queue.width * 100}%` }}
            title={`waited in ${hop?.destination ?? 'the queue'} for ${formatDurationMs(hop?.queueMs ?? queue.queueMs)} before ${hop?.consumerGroup ?? 'the consumer'} received it`}
          >
            <span className="tl-queue-label" style={{ right: 2, top: -12 }}>
              queue {formatDurationMs(hop?.queueMs ?? Math.max(0, queue.queueMs))}
            </span>
          </div>
        ) : null}
        <div
          className={`tl-bar${isError ? ' error' : ''}`}
          style={{ left: `${bar.left * 100}%`, width: `${bar.width * 100}%`, background: color }}
        />
        <span
          className="tl-dur"
          style={bar.left + bar.width > 0.85 ? { right: `${(1 - leftEdge) * 100 + 0.5}%` } : { left: `${(bar.left + bar.width) * 100 + 0.5}%` }}
        >
          {formatDurationMs(s.durationMs)}
        </span>
      </div>
    </div>
  );
}
