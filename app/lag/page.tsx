// Consumer lag: per destination × consumer group (× partition), backlog and queue time over the
// range with a Burrow-style status, and beside it what the broker itself reports (broker metrics).
import Link from 'next/link';
import { Fragment, Suspense } from 'react';
import type { GroupLag, LagCurrent } from '@/lib/analysis/lag';
import type { GroupLagWithBroker } from '@/lib/analysis/broker-lag';
import { BrokerCell } from '@/components/lag/BrokerCell';
import { PageHeader } from '@/components/common/PageHeader';
import { EnvPicker } from '@/components/filters/EnvPicker';
import { envOf } from '@/components/filters/env';
import { ThroughputPanel } from '@/components/lag/ThroughputPanel';
import { PartitionLagChart } from '@/components/lag/PartitionLagChart';
import { TimeBar, UrlNotices } from '@/components/common/TimeBar';
import { SortTh } from '@/components/common/SortHeader';
import { LinkToggle } from '@/components/common/Toggle';
import { Stat } from '@/components/common/Stat';
import { EmptyState, ErrorNotice, SendDataHelp, Skeleton } from '@/components/common/States';
import { LagCharts } from '@/components/lag/LagCharts';
import { StatusBadge } from '@/components/lag/StatusBadge';
import { defaultStep, getLag } from '@/lib/api/lag';
import { liveIntervalMs, load, otlpHttpEndpoint } from '@/lib/ui/server';
import { describeRange, firstParam, hrefWith, links, parseSort, readPageUrl, timeQuery, type PageUrl, type SearchParams, type Sort } from '@/lib/ui/url';
import { STATUS_HELP } from '@/lib/ui/colors';
import { byLagSeverityDesc, LAG_STATUSES } from '@/lib/domain';
import { formatClock, formatCount, formatDurationMs, formatMessages } from '@/lib/ui/format';

/** Parameters of this page besides the time range (lib/ui/url.ts COMMON_PARAMS). */
const KNOWN = ['destination', 'group', 'status', 'sort'];
const SORTS = ['status', 'destination', 'group', 'backlog', 'oldest', 'queue', 'lastDelivery'] as const;
type LagSort = Sort<(typeof SORTS)[number]>;

export default async function LagPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const url = readPageUrl(sp, KNOWN, new Date());
  const destination = firstParam(sp, 'destination');
  const group = firstParam(sp, 'group');
  const rawStatus = firstParam(sp, 'status');
  const problemsOnly = rawStatus === 'problem';
  if (rawStatus !== undefined && !problemsOnly) url.notices.push(`status=${JSON.stringify(rawStatus.slice(0, 40))} is not a filter of this page (status=problem shows groups not OK); showing all.`);
  const { sort, notice } = parseSort(sp, SORTS, { column: 'status', desc: true });
  if (notice) url.notices.push(notice);
  return (
    <>
      <PageHeader
        title="Consumer lag"
        help={
          <>
            How far each consumer group is behind on each destination. <b>Backlog</b> = messages published but not yet
            delivered to the group; <b>queue time</b> = deliver start − publish end. The status describes the last 15
            minutes of the range, whatever its length or step, judged on the backlog at 15 points a minute apart (closer
            in a shorter range), in the spirit of LinkedIn Burrow (least to most severe):{' '}
            {LAG_STATUSES.map((s, i) => (
              <Fragment key={s}>
                {i ? '; ' : ''}
                <b>{s}</b> {STATUS_HELP[s]}
              </Fragment>
            ))}
            . <b>Broker</b> = what the broker itself counts waiting now (Kafka consumer-group lag, RabbitMQ queue depth), from
            OTLP metrics of the OpenTelemetry Collector&apos;s kafkametrics or rabbitmq receiver sent to <code>/v1/metrics</code>; it
            also lists groups no consumer runs for.
          </>
        }
      >
        <LinkToggle
          label="Groups"
          param="status"
          current={problemsOnly ? 'problem' : undefined}
          pathname="/lag"
          searchParams={sp}
          testId="lag-status-filter"
          options={[
            { value: undefined, label: 'all' },
            { value: 'problem', label: 'not OK', title: 'only groups whose status is not OK' },
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
          {group ? <>consumer group <b>{group}</b></> : null} only. <Link href={hrefWith('/lag', timeQuery(url.time))}>Show all</Link>
        </p>
      ) : null}
      {/* keyed by the URL's range and filters, not the resolved times: a live refresh updates in place */}
      <Suspense key={`${url.time.from}|${url.time.to}|${destination}|${group}`} fallback={<Skeleton height={400} />}>
        <LagView url={url} destination={destination} group={group} problemsOnly={problemsOnly} sort={sort} sp={sp} />
      </Suspense>
    </>
  );
}

/** Table order: the chosen column, then the worst status (one severity order: lib/domain.ts), then the biggest backlog. */
function sortGroups<G extends GroupLag>(groups: G[], sort: LagSort): G[] {
  const num = (v: number | null | undefined) => v ?? -Infinity;
  const by: Record<LagSort['column'], (a: GroupLag, b: GroupLag) => number> = {
    status: (a, b) => -byLagSeverityDesc(a.status, b.status),
    destination: (a, b) => a.destination.localeCompare(b.destination),
    group: (a, b) => a.consumerGroup.localeCompare(b.consumerGroup),
    backlog: (a, b) => a.current.backlog - b.current.backlog,
    oldest: (a, b) => num(a.current.oldestUndeliveredAgeMs) - num(b.current.oldestUndeliveredAgeMs),
    queue: (a, b) => num(a.current.queueP95Ms) - num(b.current.queueP95Ms),
    lastDelivery: (a, b) => (a.current.lastDeliveryAt ?? '').localeCompare(b.current.lastDeliveryAt ?? ''),
  };
  const dir = sort.desc ? -1 : 1;
  return [...groups].sort(
    (a, b) => dir * by[sort.column](a, b) || byLagSeverityDesc(a.status, b.status) || b.current.backlog - a.current.backlog || a.destination.localeCompare(b.destination),
  );
}

async function LagView({
  url, destination, group, problemsOnly, sort, sp,
}: { url: PageUrl; destination?: string; group?: string; problemsOnly: boolean; sort: LagSort; sp: SearchParams }) {
  const r = await load((deps) => getLag(deps, { ...url.window, stepMs: defaultStep(url.window.fromMs, url.window.toMs), destination, consumerGroup: group, ...envOf(sp).filter }));
  if (!r.ok) return <ErrorNotice error={r.error} />;
  const all = sortGroups(r.data.groups, sort);
  const groups = problemsOnly ? all.filter((g) => g.status !== 'OK') : all;
  const range = describeRange(url.time, url.window);
  if (groups.length === 0) {
    return (
      <EmptyState title={problemsOnly && all.length ? `Every consumer group is OK in ${range}` : `No consumer deliveries in ${range}`}>
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
        <Stat k="consumer groups" v={String(groups.length)} testId="lag-groups" />
        <Stat k="OK" v={String(count('OK'))} />
        <Stat k="WARN (growing)" v={String(count('WARN'))} tone={count('WARN') ? 'warn' : undefined} />
        <Stat k="STALL / STOP" v={String(count('STALL') + count('STOP'))} tone={count('STALL') + count('STOP') ? 'danger' : undefined} />
        <Stat k="total backlog" v={formatMessages(groups.reduce((a, g) => a + g.current.backlog, 0))} testId="lag-total-backlog" />
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
              <SortTh label="Destination" column="destination" sort={sort} pathname="/lag" searchParams={sp} />
              <SortTh label="Consumer group" column="group" sort={sort} pathname="/lag" searchParams={sp} />
              <SortTh label="Status" column="status" sort={sort} pathname="/lag" searchParams={sp} firstDesc />
              <SortTh label="Backlog" column="backlog" sort={sort} pathname="/lag" searchParams={sp} firstDesc num title="published, not yet delivered" />
              <SortTh label="Oldest waiting" column="oldest" sort={sort} pathname="/lag" searchParams={sp} firstDesc num title="age of the oldest message still waiting" />
              <th className="num" title="queue time over the last interval with deliveries">Queue p50</th>
              <SortTh label="Queue p95" column="queue" sort={sort} pathname="/lag" searchParams={sp} firstDesc num />
              <th className="num" title="max produced − max delivered offset, where offsets are known">Offset lag</th>
              <SortTh label="Last delivery (UTC)" column="lastDelivery" sort={sort} pathname="/lag" searchParams={sp} firstDesc num />
              <th className="num" title="what the broker itself counts waiting now, with its source and time (broker metrics over OTLP)">Broker (now)</th>
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
                <CurrentCells c={g.current} brokerOnly={g.brokerOnly} />
                <BrokerCell broker={g.broker} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Suspense fallback={<Skeleton height={260} />}>
        <ThroughputPanel fromMs={url.window.fromMs} toMs={url.window.toMs} destination={destination} group={group} env={envOf(sp).filter} />
      </Suspense>
      {groups.map((g) => (
        <GroupPanel key={`${g.destination}\u0000${g.consumerGroup}`} g={g} url={url} />
      ))}
    </>
  );
}

function anchor(g: Pick<GroupLag, 'destination' | 'consumerGroup'>): string {
  return `lag-${g.destination}-${g.consumerGroup}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

function CurrentCells({ c, brokerOnly }: { c: LagCurrent; brokerOnly?: boolean }) {
  if (brokerOnly) {
    return (
      <td colSpan={6} className="help" data-testid="lag-broker-only">
        no spans of this group in the range — only the broker reports it
      </td>
    );
  }
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

function GroupPanel({ g, url }: { g: GroupLagWithBroker; url: PageUrl }) {
  const partitions = g.partitions.filter((p) => p.partition !== '');
  return (
    <section className="panel" id={anchor(g)} data-testid="lag-group">
      <div className="panel-title">
        <h2>
          {g.destination} → {g.consumerGroup} <StatusBadge status={g.status} reason={g.reason} />
        </h2>
        <span className="toolbar">
          <Link href={links.requests(url.time, { destination: g.destination })}>requests</Link>
          <Link href={links.anomalies(url.time, { destination: g.destination, group: g.consumerGroup })}>anomalies</Link>
        </span>
      </div>
      <p className="help" style={{ marginTop: 0 }} data-testid="lag-reason">
        {g.reason}
      </p>
      {g.broker && !g.brokerOnly ? (
        <p className="help" style={{ marginTop: 0 }} data-testid="lag-broker-note">
          The broker ({g.broker.source}, {formatClock(g.broker.at)} UTC) counts <b>{g.broker.lag === null ? 'an unknown number of' : formatCount(g.broker.lag)}</b> messages
          waiting{g.broker.consumers !== null ? <> and {formatCount(g.broker.consumers)} {g.broker.consumers === 1 ? 'consumer' : 'consumers'}</> : null}; the backlog above counts
          only messages whose publish span Eventscope received.
        </p>
      ) : null}
      {g.brokerOnly ? null : <LagCharts series={g.series} />}
      {partitions.length > 0 ? (
        <>
          <h3>Partitions</h3>
          {partitions.length > 1 ? <PartitionLagChart partitions={partitions} /> : null}
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
                <th className="num" title="what the broker itself counts waiting on this partition now">Broker (now)</th>
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
                  <CurrentCells c={p.current} brokerOnly={g.brokerOnly} />
                  <BrokerCell broker={p.broker} />
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
