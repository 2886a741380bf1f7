// Requests: recent traces matching the filters, each linking to its stitched timeline.
import Link from 'next/link';
import { Suspense } from 'react';
import type { RequestRow } from '@/lib/analysis/requests';
import { PageHeader } from '@/components/common/PageHeader';
import { EnvPicker } from '@/components/filters/EnvPicker';
import { envOf } from '@/components/filters/env';
import { TimeBar, UrlNotices } from '@/components/common/TimeBar';
import { SortTh } from '@/components/common/SortHeader';
import { EmptyState, ErrorNotice, SendDataHelp, Skeleton } from '@/components/common/States';
import { ServiceChip } from '@/components/common/ServiceChip';
import { getRequests, requestAttribute, requestTraceId } from '@/lib/api/requests';
import { getConfig } from '@/lib/runtime';
import { liveIntervalMs, load, otlpHttpEndpoint } from '@/lib/ui/server';
import { describeRange, firstParam, hrefWith, links, parseSort, readPageUrl, timeQuery, type PageUrl, type SearchParams, type Sort } from '@/lib/ui/url';
import { formatClock, formatDurationMs, shortId } from '@/lib/ui/format';

const FILTERS = ['service', 'destination', 'messageId', 'traceId', 'attribute'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>> & { errorOnly?: boolean };
/** Parameters of this page besides the time range (lib/ui/url.ts COMMON_PARAMS). */
const KNOWN = [...FILTERS, 'errorOnly', 'sort'];
const SORTS = ['start', 'duration', 'spans', 'hops'] as const;
type RequestSort = Sort<(typeof SORTS)[number]>;
const LIMIT = 200;

export default async function RequestsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const url = readPageUrl(sp, KNOWN, new Date(), 'now-1h');
  const { sort, notice } = parseSort(sp, SORTS, { column: 'start', desc: true });
  if (notice) url.notices.push(notice);
  const filters: Filters = {};
  for (const f of FILTERS) {
    const v = firstParam(sp, f)?.trim();
    if (v) filters[f] = v;
  }
  if (firstParam(sp, 'errorOnly') === 'true') filters.errorOnly = true;
  return (
    <>
      <PageHeader
        title="Requests"
        help={
          <>
            One row per trace, newest first. A request can continue in other traces (a consumer that starts a new trace
            and links back to the message); open a row to see the whole journey across them. Filters combine; each may
            be met by a different span of the trace. Times in UTC.
          </>
        }
      >
        <EnvPicker sp={sp} />
        <TimeBar url={url} intervalMs={liveIntervalMs()} />
      </PageHeader>
      <UrlNotices notices={url.notices} />
      <form className="panel" method="get" action="/requests" data-testid="request-filters">
        <input type="hidden" name="from" value={url.time.from} />
        {url.time.to !== 'now' ? <input type="hidden" name="to" value={url.time.to} /> : null}
        {firstParam(sp, 'sort') ? <input type="hidden" name="sort" value={firstParam(sp, 'sort')} /> : null}
        <div className="filters">
          <Field name="service" label="Service" value={filters.service} placeholder="e.g. payment" searchFocus />
          <Field name="destination" label="Destination (topic / queue)" value={filters.destination} placeholder="e.g. orders" />
          <Field name="messageId" label="Message id" value={filters.messageId} placeholder="messaging.message.id" />
          <Field name="traceId" label="Trace id" value={filters.traceId} placeholder="32 hex characters" />
          <Field name="attribute" label="Attribute key=value" value={filters.attribute} placeholder="order.id=1001" />
          <label className="checkbox">
            <input type="checkbox" name="errorOnly" value="true" defaultChecked={filters.errorOnly} /> errors only
          </label>
          <div className="toolbar">
            <button className="btn" type="submit">Search</button>
            <Link className="btn secondary" href={hrefWith('/requests', timeQuery(url.time))}>Clear</Link>
            <span className="help">
              press <kbd>/</kbd> to search
            </span>
          </div>
        </div>
      </form>
      <TransactionHint attribute={filters.attribute} />
      <div style={{ height: 14 }} />
      {/* keyed by the URL's range and filters, not the resolved times: a live refresh updates in place */}
      <Suspense key={JSON.stringify([url.time.from, url.time.to, filters])} fallback={<Skeleton height={360} />}>
        <RequestTable url={url} filters={filters} sort={sort} sp={sp} />
      </Suspense>
    </>
  );
}

function Field({ name, label, value, placeholder, searchFocus }: { name: string; label: string; value?: string; placeholder?: string; searchFocus?: boolean }) {
  return (
    <div className="field">
      <label htmlFor={`f-${name}`}>{label}</label>
      <input
        id={`f-${name}`}
        name={name}
        defaultValue={value}
        placeholder={placeholder}
        autoComplete="off"
        spellCheck={false}
        data-search-focus={searchFocus ? '' : undefined}
      />
    </div>
  );
}


function sortRows(rows: RequestRow[], sort: RequestSort): RequestRow[] {
  const by: Record<RequestSort['column'], (a: RequestRow, b: RequestRow) => number> = {
    start: (a, b) => a.start.localeCompare(b.start),
    duration: (a, b) => a.durationMs - b.durationMs,
    spans: (a, b) => a.spanCount - b.spanCount,
    hops: (a, b) => a.hopCount - b.hopCount,
  };
  const dir = sort.desc ? -1 : 1;
  return [...rows].sort((a, b) => dir * by[sort.column](a, b) || b.start.localeCompare(a.start));
}

async function RequestTable({ url, filters, sort, sp }: { url: PageUrl; filters: Filters; sort: RequestSort; sp: SearchParams }) {
  const r = await load(async (deps) =>
    getRequests(deps, {
      ...url.window,
      ...filters,
      // checked the API's way: a bad trace id or attribute is a precise sentence, not an empty table
      traceId: filters.traceId === undefined ? undefined : requestTraceId(filters.traceId),
      attribute: filters.attribute === undefined ? undefined : requestAttribute(filters.attribute),
      errorOnly: !!filters.errorOnly,
      limit: LIMIT,
      ...envOf(sp).filter,
    }),
  );
  if (!r.ok) return <ErrorNotice title={r.status === 400 ? 'Check the filters' : undefined} error={r.error} />;
  const rows = sortRows(r.data.requests, sort);
  const filtered = Object.keys(filters).length > 0;
  if (rows.length === 0) {
    return (
      <EmptyState title={filtered ? 'No request matches these filters' : `No requests in ${describeRange(url.time, url.window)}`}>
        {filtered ? (
          <p>Try a wider time range, or remove a filter. Names are matched exactly (service.name, destination name).</p>
        ) : (
          <SendDataHelp endpoint={otlpHttpEndpoint()} />
        )}
      </EmptyState>
    );
  }
  return (
    <div className="panel" style={{ padding: 0 }}>
      <table className="data" data-testid="request-table">
        <thead>
          <tr>
            <SortTh label="Started (UTC)" column="start" sort={sort} pathname="/requests" searchParams={sp} firstDesc />
            <th>Root span</th>
            <SortTh label="Duration" column="duration" sort={sort} pathname="/requests" searchParams={sp} firstDesc num title="earliest start to latest end of the trace" />
            <SortTh label="Spans" column="spans" sort={sort} pathname="/requests" searchParams={sp} firstDesc num />
            <SortTh label="Hops" column="hops" sort={sort} pathname="/requests" searchParams={sp} firstDesc num title="publish → deliver hops with an end in this trace" />
            <th>Services</th>
            <th>Flags</th>
            <th>Trace</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((q) => (
            <tr key={q.traceId} className={q.hasError ? 'danger' : undefined} data-testid="request-row" data-trace-id={q.traceId}>
              <td className="mono">{formatClock(q.start, true)}</td>
              <td>
                <Link href={links.request(q.traceId)}>
                  <strong>{q.rootService}</strong> · {q.rootName}
                </Link>
              </td>
              <td className="num">
                {formatDurationMs(q.durationMs)}
                {q.clockSkewCorrected ? (
                  <span className="badge neutral" title="a host of this request has a clock that is off; start and duration are corrected">
                    skew
                  </span>
                ) : null}
              </td>
              <td className="num">{q.spanCount}</td>
              <td className="num">{q.hopCount}</td>
              <td>
                {q.services.map((s) => (
                  <ServiceChip key={s} service={s} />
                ))}
              </td>
              <td>
                {q.hasError ? <span className="badge error">error</span> : null}{' '}
                {q.hasAnomaly ? <span className="badge warn" title="takes part in a duplicate delivery or an ordering inversion">anomaly</span> : null}
              </td>
              <td className="mono">
                <Link href={links.request(q.traceId)} title={q.traceId}>{shortId(q.traceId)}…</Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length >= LIMIT ? <p className="help" style={{ padding: '8px 12px' }}>Showing the newest {LIMIT}; narrow the filters to see older ones.</p> : null}
    </div>
  );
}

/** An attribute search on a business key (EVENTSCOPE_BUSINESS_KEYS) also names its business transaction. */
function TransactionHint({ attribute }: { attribute?: string }) {
  const eq = attribute?.indexOf('=') ?? -1;
  if (!attribute || eq <= 0) return null;
  const key = attribute.slice(0, eq).trim();
  const value = attribute.slice(eq + 1).trim();
  if (!value || !getConfig().businessKeys.includes(key)) return null;
  return (
    <div className="panel" style={{ marginTop: 10 }} data-testid="transaction-hint">
      <b>{key}</b> is a business key:{' '}
      <Link href={`/transactions/${encodeURIComponent(key)}/${encodeURIComponent(value)}`}>
        open the business transaction {key}={value}
      </Link>{' '}
      — every trace that carried it on one timeline, with its steps in order and where the trace context broke.
    </div>
  );
}
