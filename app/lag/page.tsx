// Consumer lag: per destination × consumer group (× partition), backlog and queue time over the
// range with a Burrow-style status.
import Link from 'next/link';
import { Fragment, Suspense } from 'react';
import type { GroupLag, LagCurrent, LagResult } from '@/lib/analysis/lag';
import { PageHeader } from '@/components/common/PageHeader';
import { RangePicker } from '@/components/common/RangePicker';
import { Stat } from '@/components/common/Stat';
import { EmptyState, ErrorNotice, SendDataHelp, Skeleton } from '@/components/common/States';
import { LagCharts } from '@/components/lag/LagCharts';
import { StatusBadge } from '@/components/lag/StatusBadge';
import { apiGet, otlpHttpEndpoint } from '@/lib/ui/server';
import { apiQuery, firstParam, hrefWith, links, parseRange, RANGE_LABEL, type RangeKey, type SearchParams } from '@/lib/ui/url';
import { STATUS_HELP } from '@/lib/ui/colors';
import { byLagSeverityDesc, LAG_STATUSES } from '@/lib/domain';
import { formatClock, formatCount, formatDurationMs, formatMessages } from '@/lib/ui/format';

export default async function LagPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const range = parseRange(sp);
  const destination = firstParam(sp, 'destination');
  const group = firstParam(sp, 'group');
  return (
    <>
      <PageHeader
        title="Consumer lag"
        help={
          <>
            How far each consumer group is behind on each destination. <b>Backlog</b> = messages published but not yet
            delivered to the group; <b>queue time</b> = deliver start − publish end. The status describes the last 15
            minutes of the range, whatever its length, in the spirit of LinkedIn Burrow (least to most severe):{' '}
            {LAG_STATUSES.map((s, i) => (
              <Fragment key={s}>
                {i ? '; ' : ''}
                <b>{s}</b> {STATUS_HELP[s]}
              </Fragment>
            ))}
            .
          </>
        }
      >
        <RangePicker pathname="/lag" searchParams={sp} current={range} />
      </PageHeader>
      {destination || group ? (
        <p className="help">
          Showing {destination ? <>destination <b>{destination}</b></> : null}
          {destination && group ? ' and ' : null}
          {group ? <>consumer group <b>{group}</b></> : null} only. <Link href={hrefWith('/lag', { range })}>Show all</Link>
        </p>
      ) : null}
      <Suspense key={`${range}|${destination}|${group}`} fallback={<Skeleton height={400} />}>
        <LagView range={range} destination={destination} group={group} />
      </Suspense>
    </>
  );
}

async function LagView({ range, destination, group }: { range: RangeKey; destination?: string; group?: string }) {
  const r = await apiGet<LagResult>(`/api/lag?${apiQuery(range, { destination, group })}`);
  if (!r.ok) return <ErrorNotice error={r.error} />;
  // the worst first (one severity order: lib/domain.ts), then the biggest backlog
  const groups = [...r.data.groups].sort(
    (a, b) => byLagSeverityDesc(a.status, b.status) || b.current.backlog - a.current.backlog || a.destination.localeCompare(b.destination),
  );
  if (groups.length === 0) {
    return (
      <EmptyState title={`No consumer deliveries in the ${RANGE_LABEL[range].toLowerCase()}`}>
        {destination || group ? (
          <p>Nothing matches this destination / group. Names are matched exactly.</p>
        ) : (
          <>
            <p>Lag needs messaging spans: publish spans (PRODUCER) and deliver spans (CONSUMER) with messaging attributes.</p>
            <SendDataHelp endpoint={otlpHttpEndpoint()} />
          </>
        )}
      </EmptyState>
    );
  }
  const count = (s: string) => groups.filter((g) => g.status === s).length;
  return (
    <>
      <div className="stats">
        <Stat k="consumer groups" v={String(groups.length)} />
        <Stat k="OK" v={String(count('OK'))} />
        <Stat k="WARN (growing)" v={String(count('WARN'))} tone={count('WARN') ? 'warn' : undefined} />
        <Stat k="STALL / STOP" v={String(count('STALL') + count('STOP'))} tone={count('STALL') + count('STOP') ? 'danger' : undefined} />
        <Stat k="total backlog" v={formatMessages(groups.reduce((a, g) => a + g.current.backlog, 0))} />
      </div>
      {r.data.clockSkew.length ? (
        <p className="help" data-testid="lag-clock-skew" style={{ marginTop: 0 }}>
          Clock skew corrected: {r.data.clockSkew.map((c) => `${c.host} by ${formatDurationMs(c.offsetMs)}`).join(', ')} — publish and
          delivery times of these hosts, and every queue time between them, are shifted onto one clock (a delivery cannot start before
          its publish; a called span lies inside its caller).
        </p>
      ) : null}
      <div className="panel" style={{ padding: 0, marginBottom: 14 }}>
        <table className="data" data-testid="lag-table">
          <thead>
            <tr>
              <th>Destination</th>
              <th>Consumer group</th>
              <th>Status</th>
              <th className="num" title="published, not yet delivered">Backlog</th>
              <th className="num" title="age of the oldest message still waiting">Oldest waiting</th>
              <th className="num" title="queue time over the last interval with deliveries">Queue p50</th>
              <th className="num">Queue p95</th>
              <th className="num" title="max produced − max delivered offset, where offsets are known">Offset lag</th>
              <th className="num">Last delivery (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr key={`${g.destination}\u0000${g.consumerGroup}`} data-testid="lag-row" data-destination={g.destination} data-group={g.consumerGroup}>
                <td><a href={`#${anchor(g)}`}>{g.destination}</a></td>
                <td>{g.consumerGroup}</td>
                <td>
                  <StatusBadge status={g.status} reason={g.reason} />
                </td>
                <CurrentCells c={g.current} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {groups.map((g) => (
        <GroupPanel key={`${g.destination}\u0000${g.consumerGroup}`} g={g} range={range} />
      ))}
    </>
  );
}

function anchor(g: GroupLag): string {
  return `lag-${g.destination}-${g.consumerGroup}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

function CurrentCells({ c }: { c: LagCurrent }) {
  return (
    <>
      <td className="num">{formatMessages(c.backlog)}</td>
      <td className="num">{formatDurationMs(c.oldestUndeliveredAgeMs)}</td>
      <td className="num">{formatDurationMs(c.queueP50Ms)}</td>
      <td className="num">{formatDurationMs(c.queueP95Ms)}</td>
      <td className="num">{c.offsetLag == null ? '–' : formatCount(c.offsetLag)}</td>
      <td className="num">{c.lastDeliveryAt ? formatClock(c.lastDeliveryAt) : 'never'}</td>
    </>
  );
}

function GroupPanel({ g, range }: { g: GroupLag; range: RangeKey }) {
  const partitions = g.partitions.filter((p) => p.partition !== '');
  return (
    <section className="panel" id={anchor(g)} data-testid="lag-group">
      <div className="panel-title">
        <h2>
          {g.destination} → {g.consumerGroup} <StatusBadge status={g.status} reason={g.reason} />
        </h2>
        <span className="toolbar">
          <Link href={links.requests(range, { destination: g.destination })}>requests</Link>
          <Link href={links.anomalies(range, { destination: g.destination, group: g.consumerGroup })}>anomalies</Link>
        </span>
      </div>
      <p className="help" style={{ marginTop: 0 }} data-testid="lag-reason">
        {g.reason}
      </p>
      <LagCharts series={g.series} />
      {partitions.length > 0 ? (
        <>
          <h3>Partitions</h3>
          <table className="data">
            <thead>
              <tr>
                <th>Partition</th>
                <th>Status</th>
                <th className="num">Backlog</th>
                <th className="num">Oldest waiting</th>
                <th className="num">Queue p50</th>
                <th className="num">Queue p95</th>
                <th className="num">Offset lag</th>
                <th className="num">Last delivery (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {partitions.map((p) => (
                <tr key={p.partition}>
                  <td>{p.partition}</td>
                  <td>
                    <StatusBadge status={p.status} reason={p.reason} />{' '}
                    {p.status !== 'OK' ? <span className="help">{p.reason}</span> : null}
                  </td>
                  <CurrentCells c={p.current} />
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
