// One request's journey: every span reachable from this trace by parent/child and links, as a
// waterfall with queue-time segments, anomalies and clock-skew notes.
import Link from 'next/link';
import { PageHeader } from '@/components/common/PageHeader';
import { Suspense } from 'react';
import { Stat } from '@/components/common/Stat';
import type { Timeline as TimelineData } from '@/lib/analysis/timeline';
import { Timeline } from '@/components/timeline/Timeline';
import { ServiceChip } from '@/components/common/ServiceChip';
import { EmptyState, ErrorNotice, Skeleton } from '@/components/common/States';
import { TimeBar, UrlNotices } from '@/components/common/TimeBar';
import { getRequest, parseTraceId } from '@/lib/api/request';
import { TIMELINE_DEFAULTS } from '@/lib/analysis/timeline';
import { liveIntervalMs, load } from '@/lib/ui/server';
import { getConfig } from '@/lib/runtime';
import { messageLabel } from '@/lib/ui/markers';
import { firstParam, readPageUrl, type SearchParams } from '@/lib/ui/url';

/** Parameters of this page (it has no time range: the request decides its own window). */
const KNOWN = ['span', 'view'];
import { formatDateTime, formatDurationMs, shortId } from '@/lib/ui/format';

export default async function RequestPage({
  params,
  searchParams,
}: {
  params: Promise<{ traceId: string }>;
  searchParams: Promise<SearchParams>;
}) {
  const { traceId } = await params;
  const sp = await searchParams;
  const { from, to, range, ...rest } = sp;
  // a time range means nothing here; say so rather than pretend it applied
  const url = readPageUrl(rest, KNOWN, new Date());
  if (from !== undefined || to !== undefined || range !== undefined) url.notices.push('A request shows all its spans whatever their time: the time range of the link was ignored.');
  const view = firstParam(sp, 'view');
  if (view !== undefined && view !== 'tree' && view !== 'service') url.notices.push(`view=${JSON.stringify(view.slice(0, 40))} is neither tree nor service; showing the causal tree.`);
  return (
    <>
      <PageHeader
        back={{ href: '/requests', label: 'Requests' }}
        title={
          <>
            Request <span className="mono" style={{ fontSize: 16 }}>{traceId}</span>
          </>
        }
        help="Every span of this request across services and traces: parent/child spans and messages followed through span links in both directions. Times are relative to the first span; click a row for its details. While live, spans still arriving are added as they come."
      >
        <TimeBar url={url} intervalMs={liveIntervalMs()} timeless />
      </PageHeader>
      <UrlNotices notices={url.notices} />
      <Suspense key={traceId} fallback={<Skeleton height={500} />}>
        <RequestView traceId={traceId} span={firstParam(sp, 'span')} view={view === 'service' ? 'service' : 'tree'} />
      </Suspense>
    </>
  );
}

async function RequestView({ traceId, span, view }: { traceId: string; span?: string; view: 'tree' | 'service' }) {
  const r = await load((deps) => getRequest(deps, { traceId: parseTraceId(traceId), maxDepth: TIMELINE_DEFAULTS.maxDepth, maxSpans: TIMELINE_DEFAULTS.maxSpans, anomalies: true }));
  if (!r.ok) {
    if (r.status === 404) {
      return (
        <EmptyState title="This trace is not stored">
          <p>
            No span of trace <code>{traceId}</code> has been received, or it is older than the retention period. Spans
            arrive a few seconds after the work is done; reload in a moment, or look it up in the{' '}
            <Link href="/requests">request list</Link>.
          </p>
        </EmptyState>
      );
    }
    return <ErrorNotice error={r.error} />;
  }
  const t = r.data;
  const errors = t.spans.filter((s) => s.status.code === 'ERROR').length;
  const anomalies = t.anomalies.duplicates.length + t.anomalies.ordering.length;
  return (
    <>
      <div className="stats" data-testid="request-summary">
        <Stat k="started" v={formatDateTime(new Date(Number(BigInt(t.startNs) / 1_000_000n)))} />
        <Stat k="duration" v={formatDurationMs(t.durationMs)} />
        <Stat k="spans" v={String(t.spanCount)} />
        <Stat k={t.traceIds.length === 1 ? 'trace' : 'traces'} v={String(t.traceIds.length)} />
        <Stat k="async hops" v={String(t.hops.length)} />
        <Stat k="failed spans" v={String(errors)} />
        <Stat k="anomalies" v={String(anomalies)} />
      </div>
      <div className="help" style={{ marginBottom: 10 }}>
        Services: {t.services.map((s) => <ServiceChip key={s} service={s} />)}
        {t.traceIds.length > 1 ? (
          <>
            {' '}· Traces:{' '}
            {t.traceIds.map((id, i) => (
              <span key={id} className="mono" title={id}>
                {i ? ', ' : ''}
                {id === traceId ? <b>{shortId(id)}</b> : <Link href={`/requests/${id}`}>{shortId(id)}</Link>}
              </span>
            ))}
          </>
        ) : null}
      </div>
      {t.truncated ? (
        <div className="notice-error" style={{ marginBottom: 10 }}>
          This request is larger than shown: the walk stopped at its {t.truncated.reason === 'depth' ? 'link depth' : 'span'} limit (
          {t.truncated.limit}). Links to spans left out are listed as outside links.
        </div>
      ) : null}
      {t.clockSkew.length ? (
        <p className="help" style={{ marginBottom: 10 }}>
          Clock skew corrected:{' '}
          {t.clockSkew.map((c) => `${c.host} by ${formatDurationMs(c.offsetMs)}`).join(', ')} (spans marked “skew”; a child
          call must lie within its parent).
        </p>
      ) : null}
      {anomalies ? <AnomalyList t={t} /> : null}
      <Timeline data={t} initialSpan={span} initialMode={view} businessKeys={getConfig().businessKeys} />
    </>
  );
}

/** Duplicates and reorderings that touch this request, in words, with links to the other requests. */
function AnomalyList({ t }: { t: TimelineData }) {
  return (
    <div className="panel" style={{ marginBottom: 12 }} data-testid="request-anomalies">
      <h2>Anomalies touching this request</h2>
      <ul style={{ margin: 0, paddingLeft: 18, fontSize: 13 }}>
        {t.anomalies.duplicates.map((d) => (
          <li key={`d${d.message}${d.consumerGroup}`}>
            <span className={`badge ${d.class === 'duplicate_after_success' ? 'danger' : 'warn'}`}>
              {d.class === 'duplicate_after_success' ? 'duplicate after success' : 'redelivery after failure'}
            </span>{' '}
            {messageLabel(d)} on <b>{d.destination}</b> delivered {d.deliveries.length} times to <b>{d.consumerGroup}</b>
            {d.traceIds.filter((id) => !t.traceIds.includes(id)).map((id) => (
              <span key={id}> · <Link href={`/requests/${id}`}>{shortId(id)}…</Link></span>
            ))}
          </li>
        ))}
        {t.anomalies.ordering.map((o, i) => (
          <li key={`o${i}`}>
            <span className="badge neutral">out of order</span> on <b>{o.destination}</b>
            {o.partition ? ` partition ${o.partition}` : ''}: <b>{o.consumerGroup}</b> received{' '}
            {o.deliveredLater.offset != null ? `offset ${o.deliveredLater.offset}` : 'a message'} after{' '}
            {o.deliveredFirst.offset != null ? `offset ${o.deliveredFirst.offset}` : 'one published later'}
            {o.key ? ` (key ${o.key})` : ''}
            {o.traceIds.filter((id) => !t.traceIds.includes(id)).map((id) => (
              <span key={id}> · <Link href={`/requests/${id}`}>{shortId(id)}…</Link></span>
            ))}
          </li>
        ))}
      </ul>
    </div>
  );
}
