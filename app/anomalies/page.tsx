// Anomalies: messages delivered more than once to a consumer group, and deliveries out of order.
import Link from 'next/link';
import { Suspense } from 'react';
import type { DuplicateOccurrence, DuplicateResult, OrderingOccurrence, OrderingResult } from '@/lib/analysis/anomalies';
import { PageHeader } from '@/components/common/PageHeader';
import { EnvPicker } from '@/components/filters/EnvPicker';
import { envOf } from '@/components/filters/env';
import { TimeBar, UrlNotices } from '@/components/common/TimeBar';
import { SortTh } from '@/components/common/SortHeader';
import { LinkToggle } from '@/components/common/Toggle';
import { Stat } from '@/components/common/Stat';
import { ServiceChip } from '@/components/common/ServiceChip';
import { EmptyState, ErrorNotice, SendDataHelp, Skeleton } from '@/components/common/States';
import { AnomalyChart } from '@/components/anomalies/AnomalyChart';
import { getAnomalies } from '@/lib/api/anomalies';
import { defaultStep } from '@/lib/api/lag';
import { liveIntervalMs, load, otlpHttpEndpoint } from '@/lib/ui/server';
import { mergeAnomalySeries, messageLabel } from '@/lib/ui/markers';
import { describeRange, firstParam, hrefWith, links, parseSort, readPageUrl, timeQuery, type PageUrl, type SearchParams, type Sort } from '@/lib/ui/url';
import { formatClock, formatCount, shortId } from '@/lib/ui/format';

/** Parameters of this page besides the time range (lib/ui/url.ts COMMON_PARAMS). */
const KNOWN = ['type', 'destination', 'group', 'sort'];
const SORTS = ['kind', 'at', 'destination'] as const;
type DupSort = Sort<(typeof SORTS)[number]>;

export default async function AnomaliesPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const url = readPageUrl(sp, KNOWN, new Date());
  const rawType = firstParam(sp, 'type');
  const type = rawType === 'duplicate' || rawType === 'ordering' ? rawType : undefined;
  if (rawType !== undefined && !type) url.notices.push(`type=${JSON.stringify(rawType.slice(0, 40))} is neither duplicate nor ordering; showing both.`);
  const { sort, notice } = parseSort(sp, SORTS, { column: 'kind', desc: false });
  if (notice) url.notices.push(notice);
  const destination = firstParam(sp, 'destination');
  const group = firstParam(sp, 'group');
  return (
    <>
      <PageHeader
        title="Anomalies"
        help={
          <>
            <b>Duplicates</b>: one message delivered more than once to the same consumer group. A{' '}
            <b>redelivery after failure</b> is the broker doing its job; a <b style={{ color: 'var(--error)' }}>duplicate after success</b>{' '}
            means the work ran twice: the consumer must be idempotent. A span an exporter merely re-sent is not counted.{' '}
            <b>Ordering</b>: within a consumer group, destination and partition, a message delivered after one produced
            later (by offset, else by publish order of the same key).
          </>
        }
      >
        <LinkToggle
          label="Show"
          param="type"
          current={type}
          pathname="/anomalies"
          searchParams={sp}
          options={[
            { value: undefined, label: 'both' },
            { value: 'duplicate', label: 'duplicates' },
            { value: 'ordering', label: 'ordering' },
          ]}
        />
        <EnvPicker sp={sp} />
        <TimeBar url={url} intervalMs={liveIntervalMs()} />
      </PageHeader>
      <UrlNotices notices={url.notices} />
      {destination || group ? (
        <p className="help">
          Showing {destination ? <>destination <b>{destination}</b></> : null}
          {destination && group ? ' and ' : null}
          {group ? <>consumer group <b>{group}</b></> : null} only.{' '}
          <Link href={hrefWith('/anomalies', { ...timeQuery(url.time), type })}>Show all</Link>
        </p>
      ) : null}
      {/* keyed by the URL's range and filters, not the resolved times: a live refresh updates in place */}
      <Suspense key={`${url.time.from}|${url.time.to}|${type}|${destination}|${group}`} fallback={<Skeleton height={400} />}>
        <AnomalyView url={url} type={type} destination={destination} group={group} sort={sort} sp={sp} />
      </Suspense>
    </>
  );
}

async function AnomalyView({
  url, type, destination, group, sort, sp,
}: { url: PageUrl; type?: 'duplicate' | 'ordering'; destination?: string; group?: string; sort: DupSort; sp: SearchParams }) {
  const { fromMs, toMs } = url.window;
  const r = await load((deps) =>
    getAnomalies(deps, { types: type ? [type] : ['duplicate', 'ordering'], fromMs, toMs, stepMs: defaultStep(fromMs, toMs), destination, consumerGroup: group, limit: 200, ...envOf(sp).filter }),
  );
  if (!r.ok) return <ErrorNotice error={r.error} />;
  const { duplicates, ordering } = r.data;
  const none = (duplicates?.total ?? 0) + (ordering?.total ?? 0) === 0;
  return (
    <>
      <div className="stats">
        {duplicates ? (
          <>
            <Stat k="duplicate after success" v={formatCount(duplicates.byClass.duplicate_after_success)} tone={duplicates.byClass.duplicate_after_success ? 'danger' : undefined} title="the dangerous kind: the work ran twice" />
            <Stat k="redelivery after failure" v={formatCount(duplicates.byClass.redelivery_after_failure)} />
          </>
        ) : null}
        {ordering ? (
          <Stat k="ordering inversions" v={formatCount(ordering.total)} tone={ordering.total ? 'warn' : undefined} title={`${ordering.byBasis.offset} by offset, ${ordering.byBasis.publish_order} by publish order`} />
        ) : null}
      </div>
      {none ? (
        <EmptyState title={`No duplicates or reorderings in ${describeRange(url.time, url.window)}`}>
          <p>
            That is good news if traffic flowed: every message reached each consumer group once and in order. If
            nothing was sent yet, see below; the demo shop injects duplicates and reorderings on purpose.
          </p>
          <SendDataHelp endpoint={otlpHttpEndpoint()} />
        </EmptyState>
      ) : (
        <div className="panel">
          <h2>Over time</h2>
          <p className="help" style={{ marginTop: 0 }}>Extra deliveries and out-of-order deliveries per {Math.round(r.data.stepMs / 1000)} s interval.</p>
          <AnomalyChart data={mergeAnomalySeries(duplicates?.series, ordering?.series)} />
          <p className="help" style={{ margin: '4px 0 0' }}>Drag across the chart to zoom into that time.</p>
        </div>
      )}
      {duplicates && duplicates.total > 0 ? <Duplicates d={duplicates} sort={sort} sp={sp} /> : null}
      {ordering && ordering.total > 0 ? <Ordering o={ordering} /> : null}
    </>
  );
}

const CLASS_TEXT = {
  duplicate_after_success: 'duplicate after success',
  redelivery_after_failure: 'redelivery after failure',
} as const;

function Duplicates({ d, sort, sp }: { d: DuplicateResult; sort: DupSort; sp: SearchParams }) {
  // by default dangerous ones first, then newest
  const dangerFirst = (a: DuplicateOccurrence, b: DuplicateOccurrence) => Number(b.class === 'duplicate_after_success') - Number(a.class === 'duplicate_after_success');
  const by = {
    kind: dangerFirst,
    at: (a: DuplicateOccurrence, b: DuplicateOccurrence) => a.at.localeCompare(b.at),
    destination: (a: DuplicateOccurrence, b: DuplicateOccurrence) => a.destination.localeCompare(b.destination) || a.consumerGroup.localeCompare(b.consumerGroup),
  }[sort.column];
  const dir = sort.desc ? -1 : 1;
  const rows = [...d.occurrences].sort((a, b) => dir * by(a, b) || dangerFirst(a, b) || b.at.localeCompare(a.at));
  return (
    <section className="panel" data-testid="duplicates">
      <div className="panel-title">
        <h2>Duplicate deliveries ({formatCount(d.total)})</h2>
        {d.truncated ? <span className="help">showing {d.occurrences.length} of {d.total}</span> : null}
      </div>
      <table className="data">
        <thead>
          <tr>
            <SortTh label="Extra delivery (UTC)" column="at" sort={sort} pathname="/anomalies" searchParams={sp} firstDesc />
            <SortTh label="Kind" column="kind" sort={sort} pathname="/anomalies" searchParams={sp} />
            <SortTh label="Destination → group" column="destination" sort={sort} pathname="/anomalies" searchParams={sp} />
            <th>Message</th>
            <th>Deliveries (in order)</th>
            <th>Requests</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((o) => (
            <DuplicateRow key={`${o.message}\u0000${o.consumerGroup}`} o={o} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function DuplicateRow({ o }: { o: DuplicateOccurrence }) {
  const dangerous = o.class === 'duplicate_after_success';
  return (
    <tr className={dangerous ? 'danger' : undefined} data-testid="duplicate-row" data-class={o.class}>
      <td className="mono">{formatClock(o.at, true)}</td>
      <td>
        <span className={`badge ${dangerous ? 'danger' : 'warn'}`}>{CLASS_TEXT[o.class]}</span>
        {o.fromRewind ? (
          <div className="help" data-testid="from-rewind" title="the consumer group re-read offsets it had already processed and moved past: its position was reset (REWIND on the lag page)">
            from a rewind (offset reset)
          </div>
        ) : null}
      </td>
      <td>
        {o.destination} → <b>{o.consumerGroup}</b>
      </td>
      <td>
        {messageLabel(o)}
        {o.publish ? (
          <div className="help">
            published by <Link href={links.request(o.publish.traceId, o.publish.spanId)}>{o.publish.service}</Link>
          </div>
        ) : (
          <div className="help">producer span not received</div>
        )}
      </td>
      <td>
        <ol style={{ margin: 0, paddingLeft: 18 }}>
          {o.deliveries.map((del) => (
            <li key={`${del.traceId}:${del.spanId}`}>
              <Link href={links.request(del.traceId, del.spanId)}>{formatClock(del.at, true)}</Link>{' '}
              <ServiceChip service={del.service} />{' '}
              {del.status === 'ERROR' ? <span className="badge error">failed</span> : <span className="badge ok">ok</span>}
              {del.redelivered ? <span className="badge neutral" title="the span carries a redelivery marker">redelivered</span> : null}
              {del.fromRewind ? <span className="badge neutral" title="re-read after the group had moved past this offset">rewind</span> : null}
            </li>
          ))}
        </ol>
      </td>
      <td className="mono">
        {o.traceIds.map((t) => (
          <div key={t}>
            <Link href={links.request(t)} title={t}>{shortId(t)}…</Link>
          </div>
        ))}
      </td>
    </tr>
  );
}

function Ordering({ o }: { o: OrderingResult }) {
  return (
    <section className="panel" data-testid="ordering">
      <div className="panel-title">
        <h2>Ordering inversions ({formatCount(o.total)})</h2>
        {o.truncated ? <span className="help">showing {o.occurrences.length} of {o.total}</span> : null}
      </div>
      <table className="data">
        <thead>
          <tr>
            <th>Delivered (UTC)</th>
            <th>Destination → group</th>
            <th>Partition / key</th>
            <th>Out of order</th>
            <th>Delivered before it, though produced later</th>
            <th>Compared by</th>
          </tr>
        </thead>
        <tbody>
          {o.occurrences.map((x, i) => (
            <OrderingRow key={i} x={x} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function OrderingRow({ x }: { x: OrderingOccurrence }) {
  const msg = (m: OrderingOccurrence['deliveredLater']) => (
    <>
      <Link href={links.request(m.deliver.traceId, m.deliver.spanId)}>{m.offset != null ? `offset ${m.offset}` : messageLabel({ ...m, messageId: null, key: '' })}</Link>
      <div className="help">
        published {m.publishedAt ? formatClock(m.publishedAt, true) : '–'}, delivered {formatClock(m.deliveredAt, true)}
      </div>
    </>
  );
  return (
    <tr data-testid="ordering-row">
      <td className="mono">{formatClock(x.at, true)}</td>
      <td>
        {x.destination} → <b>{x.consumerGroup}</b>
      </td>
      <td>
        {x.partition ? `partition ${x.partition}` : '–'}
        {x.key ? <div className="help">key {x.key}</div> : null}
      </td>
      <td>{msg(x.deliveredLater)}</td>
      <td>{msg(x.deliveredFirst)}</td>
      <td>{x.basis === 'offset' ? 'offset' : 'publish order'}</td>
    </tr>
  );
}
