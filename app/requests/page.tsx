// Requests: recent traces matching the filters, each linking to its stitched timeline.
import Link from 'next/link';
import { Suspense } from 'react';
import type { RequestRow } from '@/lib/analysis/requests';
import { PageHeader } from '@/components/common/PageHeader';
import { RangePicker } from '@/components/common/RangePicker';
import { EmptyState, ErrorNotice, SendDataHelp, Skeleton } from '@/components/common/States';
import { ServiceChip } from '@/components/common/ServiceChip';
import { apiGet, otlpHttpEndpoint } from '@/lib/ui/server';
import { apiQuery, firstParam, links, parseRange, RANGE_LABEL, type RangeKey, type SearchParams } from '@/lib/ui/url';
import { formatClock, formatDurationMs, shortId } from '@/lib/ui/format';

const FILTERS = ['service', 'destination', 'messageId', 'traceId', 'attribute'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>> & { errorOnly?: boolean };

export default async function RequestsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const range = parseRange(sp);
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
        <RangePicker pathname="/requests" searchParams={sp} current={range} />
      </PageHeader>
      <form className="panel" method="get" action="/requests" data-testid="request-filters">
        <input type="hidden" name="range" value={range} />
        <div className="filters">
          <Field name="service" label="Service" value={filters.service} placeholder="e.g. payment" />
          <Field name="destination" label="Destination (topic / queue)" value={filters.destination} placeholder="e.g. orders" />
          <Field name="messageId" label="Message id" value={filters.messageId} placeholder="messaging.message.id" />
          <Field name="traceId" label="Trace id" value={filters.traceId} placeholder="32 hex characters" />
          <Field name="attribute" label="Attribute key=value" value={filters.attribute} placeholder="order.id=1001" />
          <label className="checkbox">
            <input type="checkbox" name="errorOnly" value="true" defaultChecked={filters.errorOnly} /> errors only
          </label>
          <div className="toolbar">
            <button className="btn" type="submit">Search</button>
            <Link className="btn secondary" href={`/requests?range=${range}`}>Clear</Link>
          </div>
        </div>
      </form>
      <div style={{ height: 14 }} />
      <Suspense key={JSON.stringify([range, filters])} fallback={<Skeleton height={360} />}>
        <RequestTable range={range} filters={filters} />
      </Suspense>
    </>
  );
}

function Field({ name, label, value, placeholder }: { name: string; label: string; value?: string; placeholder?: string }) {
  return (
    <div className="field">
      <label htmlFor={`f-${name}`}>{label}</label>
      <input id={`f-${name}`} name={name} defaultValue={value} placeholder={placeholder} autoComplete="off" spellCheck={false} />
    </div>
  );
}

async function RequestTable({ range, filters }: { range: RangeKey; filters: Filters }) {
  const r = await apiGet<{ requests: RequestRow[] }>(`/api/requests?${apiQuery(range, { ...filters, limit: 200 })}`);
  if (!r.ok) return <ErrorNotice title={r.status === 400 ? 'Check the filters' : undefined} error={r.error} />;
  const rows = r.data.requests;
  const filtered = Object.keys(filters).length > 0;
  if (rows.length === 0) {
    return (
      <EmptyState title={filtered ? 'No request matches these filters' : `No requests in the ${RANGE_LABEL[range].toLowerCase()}`}>
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
            <th>Started (UTC)</th>
            <th>Root span</th>
            <th className="num" title="earliest start to latest end of the trace">Duration</th>
            <th className="num">Spans</th>
            <th className="num" title="publish → deliver hops with an end in this trace">Hops</th>
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
      {rows.length >= 200 ? <p className="help" style={{ padding: '8px 12px' }}>Showing the newest 200; narrow the filters to see older ones.</p> : null}
    </div>
  );
}
