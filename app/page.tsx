// Home: the flow map — services, destinations, consumer groups and peers over the chosen range.
import { Suspense } from 'react';
import { FlowMap } from '@/components/flow/FlowMap';
import { getFiring } from '@/lib/api/alerts';
import { alertMarks } from '@/lib/alerts/map';
import { FlowLegend } from '@/components/flow/FlowGuide';
import { PageHeader } from '@/components/common/PageHeader';
import { EnvPicker } from '@/components/filters/EnvPicker';
import { envOf } from '@/components/filters/env';
import type { EnvFilter } from '@/lib/hops/env';
import { TimeBar, UrlNotices } from '@/components/common/TimeBar';
import { LinkToggle } from '@/components/common/Toggle';
import { EmptyState, ErrorNotice, SendDataHelp, Skeleton } from '@/components/common/States';
import { layoutFlowMap } from '@/lib/ui/layout';
import { getTopology } from '@/lib/api/topology';
import { liveIntervalMs, load, otlpHttpEndpoint } from '@/lib/ui/server';
import { describeRange, firstParam, readPageUrl, type PageUrl, type SearchParams } from '@/lib/ui/url';
import { formatCount, formatPercent, formatRate } from '@/lib/ui/format';
import { getPatterns } from '@/lib/api/patterns';
import { patternMarks } from '@/components/patterns/marks';
import { PatternLegend } from '@/components/patterns/PatternLegend';
import { ExportLinks } from '@/components/patterns/ExportLinks';
import { hrefWith, timeQuery } from '@/lib/ui/url';

export default async function FlowMapPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const url = readPageUrl(sp, KNOWN, new Date());
  const rawGroupBy = firstParam(sp, 'groupBy');
  const groupBy = rawGroupBy === 'messageType' ? 'messageType' : undefined;
  if (rawGroupBy !== undefined && rawGroupBy !== 'messageType' && rawGroupBy !== 'destination') {
    url.notices.push(`groupBy=${JSON.stringify(rawGroupBy.slice(0, 40))} is neither destination nor messageType; split by destination.`);
  }
  const window = describeRange(url.time, url.window);
  const patterns = firstParam(sp, 'patterns') === 'on';
  return (
    <>
      <PageHeader
        title="Flow map"
        help={
          <>
            How your services talk, from their traces: who publishes where, who consumes it, who calls whom.{' '}
            Showing {window}.
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
        <LinkToggle
          label="Patterns"
          param="patterns"
          current={patterns ? 'on' : undefined}
          pathname="/"
          searchParams={sp}
          testId="patterns-toggle"
          options={[
            { value: undefined, label: 'off' },
            { value: 'on', label: 'on', title: 'mark events, commands, orchestrators and call-backs on the map' },
          ]}
        />
        <ExportLinks time={url.time} env={envOf(sp).filter} />
        <EnvPicker sp={sp} />
        <TimeBar url={url} intervalMs={liveIntervalMs()} />
      </PageHeader>
      <UrlNotices notices={url.notices} />
      {/* keyed by the URL's range, not the resolved times: a live refresh updates in place */}
      <Suspense key={`${url.time.from}|${url.time.to}|${groupBy}|${patterns}`} fallback={<Skeleton height={600} />}>
        <FlowSection url={url} groupBy={groupBy} sel={firstParam(sp, 'sel')} env={envOf(sp).filter} patterns={patterns} />
      </Suspense>
    </>
  );
}

/** Parameters of this page besides the time range (lib/ui/url.ts COMMON_PARAMS). */
const KNOWN = ['groupBy', 'sel', 'patterns'];

async function FlowSection({ url, groupBy, sel, env, patterns }: { url: PageUrl; groupBy?: 'messageType'; sel?: string; env: EnvFilter; patterns?: boolean }) {
  const r = await load((deps) => getTopology(deps, { ...url.window, groupBy: groupBy ?? 'destination', lag: true, ...env }));
  if (!r.ok) return <ErrorNotice error={r.error} />;
  const { nodes, edges } = r.data;
  if (nodes.length === 0) {
    return (
      <EmptyState title={`No spans in ${describeRange(url.time, url.window)}`}>
        <SendDataHelp endpoint={otlpHttpEndpoint()} />
      </EmptyState>
    );
  }
  const ms = url.window.toMs - url.window.fromMs;
  const laid = layoutFlowMap(nodes, edges, { rangeMs: ms });
  const firing = await load((deps) => getFiring(deps)); // firing alert rules mark their edges
  // the patterns view: badges on the nodes from /api/patterns' verdicts (issue 13)
  const found = patterns ? await load((deps) => getPatterns(deps, { ...url.window, ...env })) : undefined;
  const marks = found?.ok ? patternMarks(nodes, found.data) : undefined;
  const published = edges.filter((e) => e.kind === 'publish').reduce((a, e) => a + e.count, 0);
  const delivered = edges.filter((e) => e.kind === 'deliver');
  const deliveries = delivered.reduce((a, e) => a + e.count, 0);
  const deliverErrors = delivered.reduce((a, e) => a + e.errors, 0);
  // groups, not edges: a group consumed by two services (or of two message types) is one group
  const lagging = new Set(delivered.filter((e) => e.lag && e.lag.status !== 'OK').map((e) => `${e.source}\u0000${e.group}`)).size;
  const failedRatio = deliveries ? deliverErrors / deliveries : 0;
  return (
    <>
      <div className="flow-top">
      <div className="flow-stats" data-testid="flow-stats">
        <FlowStat k="services" v={formatCount(nodes.filter((n) => n.kind === 'service').length)} />
        <FlowStat k={groupBy ? 'message types' : 'destinations'} v={formatCount(nodes.filter((n) => n.kind === 'destination' || n.kind === 'messageType').length)} />
        <FlowStat k="published" v={formatRate(published, ms)} title={`${formatCount(published)} messages published`} testId="flow-published" value={published} />
        <FlowStat k="delivered" v={formatRate(deliveries, ms)} title={`${formatCount(deliveries)} deliveries`} testId="flow-delivered" value={deliveries} />
        <FlowStat k="failed deliveries" v={formatPercent(failedRatio)} tone={failedRatio > 0 ? 'bad' : undefined} />
        <FlowStat k="consumer groups not OK" v={String(lagging)} tone={lagging > 0 ? 'bad' : undefined} />
      </div>
      <FlowLegend groupBy={groupBy} deadLetter={nodes.some((n) => n.deadLetter)} />
      </div>
      {patterns ? <PatternLegend patternsHref={hrefWith('/patterns', {}, { ...timeQuery(url.time), env: env.env, namespace: env.namespace })} /> : null}
      {found && !found.ok ? <ErrorNotice error={found.error} /> : null}
      <FlowMap layout={laid} time={url.time} rangeMs={ms} sel={sel} alerts={alertMarks(laid.nodes, laid.edges, firing.ok ? firing.data : [])} patterns={marks} />
    </>
  );
}

/** A headline number in the one-line strip above the map (kept small so the map gets the height). */
function FlowStat({ k, v, title, tone, testId, value }: { k: string; v: string; title?: string; tone?: 'bad'; testId?: string; value?: number }) {
  return (
    <span className={`flow-stat${tone ? ` ${tone}` : ''}`} title={title} data-testid={testId} data-value={value}>
      <b>{v}</b> {k}
    </span>
  );
}
