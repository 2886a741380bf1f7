// Pathways (Datadog Data Streams Monitoring's end-to-end view): the paths message chains take from
// the first publishing service through destinations and consumers, with the time from the chain's
// FIRST publish to each consumer's completion (p50/p95) and an example request per step.
import Link from 'next/link';
import { Suspense } from 'react';
import type { Pathway } from '@/lib/analysis/pathways';
import { PageHeader } from '@/components/common/PageHeader';
import { TimeBar, UrlNotices } from '@/components/common/TimeBar';
import { Stat } from '@/components/common/Stat';
import { EmptyState, ErrorNotice, SendDataHelp, Skeleton } from '@/components/common/States';
import { EnvPicker } from '@/components/filters/EnvPicker';
import { envOf } from '@/components/filters/env';
import type { EnvFilter } from '@/lib/hops/env';
import { getPathways } from '@/lib/api/pathways';
import { liveIntervalMs, load, otlpHttpEndpoint } from '@/lib/ui/server';
import { describeRange, firstParam, hrefWith, links, readPageUrl, timeQuery, type PageUrl, type SearchParams } from '@/lib/ui/url';
import { formatCount, formatDurationMs } from '@/lib/ui/format';

/** Parameters of this page besides the time range and environment (lib/ui/url.ts COMMON_PARAMS). */
const KNOWN = ['origin', 'destination'];

export default async function PathwaysPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const url = readPageUrl(sp, KNOWN, new Date());
  const origin = firstParam(sp, 'origin');
  const destination = firstParam(sp, 'destination');
  const env = envOf(sp);
  if (env.notice) url.notices.push(env.notice);
  return (
    <>
      <PageHeader
        title="Pathways"
        help={
          <>
            The paths chains of messages take: a service publishes, a consumer handles the message and publishes the next one, and so on.
            For each consumer along a path, <b>end-to-end</b> is the time from the chain&apos;s <b>first publish</b> to that
            consumer&apos;s completion (p50 / p95 over the first deliveries in the range). A consumer continues a chain when it publishes
            while it handles a message, in the same trace. A step that several paths share (the same start) shows the same figures in each.
          </>
        }
      >
        <EnvPicker sp={sp} />
        <TimeBar url={url} intervalMs={liveIntervalMs()} />
      </PageHeader>
      <UrlNotices notices={url.notices} />
      {origin || destination ? (
        <p className="help">
          Showing pathways {origin ? <>starting at <b>{origin}</b></> : null}
          {origin && destination ? ' and ' : null}
          {destination ? <>through <b>{destination}</b></> : null} only. <Link href={hrefWith('/pathways', timeQuery(url.time))}>Show all</Link>
        </p>
      ) : null}
      <Suspense key={`${url.time.from}|${url.time.to}|${origin}|${destination}|${env.filter.env}|${env.filter.namespace}`} fallback={<Skeleton height={300} />}>
        <PathwaysView url={url} origin={origin} destination={destination} env={env.filter} />
      </Suspense>
    </>
  );
}

async function PathwaysView({ url, origin, destination, env }: { url: PageUrl; origin?: string; destination?: string; env: EnvFilter }) {
  const r = await load((deps) => getPathways(deps, { ...url.window, origin, destination, limit: 100, ...env }));
  if (!r.ok) return <ErrorNotice error={r.error} />;
  const pathways = r.data.pathways;
  if (pathways.length === 0) {
    return (
      <EmptyState title={`No message chains in ${describeRange(url.time, url.window)}`}>
        {origin || destination || env.env || env.namespace ? (
          <p>Nothing matches these filters. Names are matched exactly.</p>
        ) : (
          <>
            <p>Pathways need publish spans (PRODUCER) and deliver spans (CONSUMER) whose consumer span is the parent of the span that publishes the next message.</p>
            <SendDataHelp endpoint={otlpHttpEndpoint()} />
          </>
        )}
      </EmptyState>
    );
  }
  const slowest = pathways.reduce((a, p) => (p.endToEndP95Ms > a.endToEndP95Ms ? p : a), pathways[0]!);
  return (
    <>
      <div className="stats">
        <Stat k="pathways" v={String(pathways.length)} testId="pathways-count" />
        <Stat k="chains completed" v={formatCount(pathways.reduce((a, p) => a + p.count, 0))} />
        <Stat k="slowest end-to-end p95" v={formatDurationMs(slowest.endToEndP95Ms)} />
      </div>
      {pathways.map((p) => (
        <PathwayPanel key={p.path} p={p} url={url} />
      ))}
    </>
  );
}

function PathwayPanel({ p, url }: { p: Pathway; url: PageUrl }) {
  return (
    <section className="panel" data-testid="pathway" data-path={p.path}>
      <div className="panel-title">
        <h2 style={{ fontSize: 15 }}>{p.path}</h2>
        <span className="help">
          {formatCount(p.count)} {p.count === 1 ? 'chain' : 'chains'} · end-to-end p50 {formatDurationMs(p.endToEndP50Ms)} · p95 {formatDurationMs(p.endToEndP95Ms)}
        </span>
      </div>
      <table className="data">
        <thead>
          <tr>
            <th>Step</th>
            <th>Destination</th>
            <th>Consumer (group)</th>
            <th className="num" title="first deliveries that completed this step in the range">Messages</th>
            <th className="num">Errors</th>
            <th className="num" title="first publish of the chain → this consumer's completion">End-to-end p50</th>
            <th className="num">p95</th>
            <th className="num">max</th>
            <th>Example</th>
          </tr>
        </thead>
        <tbody>
          {p.steps.map((s) => (
            <tr key={s.depth} data-testid="pathway-step">
              <td>{s.depth === 1 ? `1 (from ${p.origin})` : s.depth}</td>
              <td>
                <Link href={links.lag(url.time, { destination: s.destination, group: s.consumerGroup })}>{s.destination}</Link>
              </td>
              <td>
                {s.service}
                {s.consumerGroup !== s.service ? <span className="help"> ({s.consumerGroup})</span> : null}
              </td>
              <td className="num">{formatCount(s.count)}</td>
              <td className="num">{s.errors ? formatCount(s.errors) : '–'}</td>
              <td className="num">{formatDurationMs(s.p50Ms)}</td>
              <td className="num">{formatDurationMs(s.p95Ms)}</td>
              <td className="num">{formatDurationMs(s.maxMs)}</td>
              <td>
                {s.exampleTraceId ? (
                  <Link href={links.request(s.exampleTraceId)} title="the slowest chain of this step">
                    slowest request
                  </Link>
                ) : (
                  '–'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
