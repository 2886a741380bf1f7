// Home: the flow map — services, destinations, consumer groups and peers over the chosen range.
import { Suspense } from 'react';
import type { TopologyResult } from '@/lib/analysis/topology';
import { FlowMap } from '@/components/flow/FlowMap';
import { FlowLegend } from '@/components/flow/FlowGuide';
import { PageHeader } from '@/components/common/PageHeader';
import { RangePicker } from '@/components/common/RangePicker';
import { LinkToggle } from '@/components/common/Toggle';
import { EmptyState, ErrorNotice, SendDataHelp, Skeleton } from '@/components/common/States';
import { layoutFlowMap } from '@/lib/ui/layout';
import { apiGet, otlpHttpEndpoint } from '@/lib/ui/server';
import { apiQuery, firstParam, parseRange, rangeMs, RANGE_LABEL, type RangeKey, type SearchParams } from '@/lib/ui/url';
import { formatCount, formatPercent, formatRate } from '@/lib/ui/format';

export default async function FlowMapPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const range = parseRange(sp);
  const groupBy = firstParam(sp, 'groupBy') === 'messageType' ? 'messageType' : undefined;
  return (
    <>
      <PageHeader
        title="Flow map"
        help={
          <>
            How your services talk, from their traces: who publishes where, who consumes it, who calls whom.{' '}
            {RANGE_LABEL[range]}.
          </>
        }
      >
        <LinkToggle
          label="Split by"
          param="groupBy"
          current={groupBy}
          pathname="/"
          searchParams={sp}
          testId="groupby-toggle"
          options={[
            { value: undefined, label: 'destination', title: 'one node per topic / queue / exchange' },
            { value: 'messageType', label: 'message type', title: 'one node per event or command type' },
          ]}
        />
        <RangePicker pathname="/" searchParams={sp} current={range} />
      </PageHeader>
      <Suspense key={`${range}|${groupBy}`} fallback={<Skeleton height={600} />}>
        <FlowSection range={range} groupBy={groupBy} />
      </Suspense>
    </>
  );
}

async function FlowSection({ range, groupBy }: { range: RangeKey; groupBy?: string }) {
  const r = await apiGet<TopologyResult>(`/api/topology?${apiQuery(range, { groupBy })}`);
  if (!r.ok) return <ErrorNotice error={r.error} />;
  const { nodes, edges } = r.data;
  if (nodes.length === 0) {
    return (
      <EmptyState title={`No spans in the ${RANGE_LABEL[range].toLowerCase()}`}>
        <SendDataHelp endpoint={otlpHttpEndpoint()} />
      </EmptyState>
    );
  }
  const ms = rangeMs(range);
  const laid = layoutFlowMap(nodes, edges, { rangeMs: ms });
  const published = edges.filter((e) => e.kind === 'publish').reduce((a, e) => a + e.count, 0);
  const delivered = edges.filter((e) => e.kind === 'deliver');
  const deliveries = delivered.reduce((a, e) => a + e.count, 0);
  const deliverErrors = delivered.reduce((a, e) => a + e.errors, 0);
  const lagging = delivered.filter((e) => e.lag && e.lag.status !== 'OK').length;
  const failedRatio = deliveries ? deliverErrors / deliveries : 0;
  return (
    <>
      <div className="flow-top">
      <div className="flow-stats" data-testid="flow-stats">
        <FlowStat k="services" v={formatCount(nodes.filter((n) => n.kind === 'service').length)} />
        <FlowStat k={groupBy ? 'message types' : 'destinations'} v={formatCount(nodes.filter((n) => n.kind === 'destination' || n.kind === 'messageType').length)} />
        <FlowStat k="published" v={formatRate(published, ms)} title={`${formatCount(published)} messages published`} />
        <FlowStat k="delivered" v={formatRate(deliveries, ms)} title={`${formatCount(deliveries)} deliveries`} />
        <FlowStat k="failed deliveries" v={formatPercent(failedRatio)} tone={failedRatio > 0 ? 'bad' : undefined} />
        <FlowStat k="consumer groups not OK" v={String(lagging)} tone={lagging > 0 ? 'bad' : undefined} />
      </div>
      <FlowLegend groupBy={groupBy} deadLetter={nodes.some((n) => n.deadLetter)} />
      </div>
      <FlowMap layout={laid} range={range} rangeMs={ms} />
    </>
  );
}

/** A headline number in the one-line strip above the map (kept small so the map gets the height). */
function FlowStat({ k, v, title, tone }: { k: string; v: string; title?: string; tone?: 'bad' }) {
  return (
    <span className={`flow-stat${tone ? ` ${tone}` : ''}`} title={title}>
      <b>{v}</b> {k}
    </span>
  );
}
