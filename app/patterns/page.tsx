// Patterns (issue 13): the vocabulary of event-driven design applied to what was observed — events
// and commands, call-back or carried state, orchestrated or choreographed flows, request/reply over
// queues — each verdict with its evidence.
import { Suspense } from 'react';
import { PageHeader } from '@/components/common/PageHeader';
import { TimeBar, UrlNotices } from '@/components/common/TimeBar';
import { Stat } from '@/components/common/Stat';
import { EmptyState, ErrorNotice, SendDataHelp, Skeleton } from '@/components/common/States';
import { EnvPicker } from '@/components/filters/EnvPicker';
import { envOf } from '@/components/filters/env';
import { ExportLinks } from '@/components/patterns/ExportLinks';
import { ConsumerSection, FlowSection, MessageTypeSection, RequestReplySection } from '@/components/patterns/PatternTables';
import type { EnvFilter } from '@/lib/hops/env';
import { getPatterns } from '@/lib/api/patterns';
import { liveIntervalMs, load, otlpHttpEndpoint } from '@/lib/ui/server';
import { describeRange, links, readPageUrl, type PageUrl, type SearchParams } from '@/lib/ui/url';

export default async function PatternsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const url = readPageUrl(sp, [], new Date());
  const env = envOf(sp);
  if (env.notice) url.notices.push(env.notice);
  return (
    <>
      <PageHeader
        title="Patterns"
        help={
          <>
            Which design patterns your services actually use, read from their traffic: what each message is (an event or a command),
            how consumers get their data, who owns each flow, and where services wait for replies over queues. Every verdict lists the
            evidence that decided it — check it against what the team intended.
          </>
        }
      >
        <ExportLinks time={url.time} env={env.filter} />
        <EnvPicker sp={sp} />
        <TimeBar url={url} intervalMs={liveIntervalMs()} />
      </PageHeader>
      <UrlNotices notices={url.notices} />
      <Suspense key={`${url.time.from}|${url.time.to}|${env.filter.env}|${env.filter.namespace}`} fallback={<Skeleton height={400} />}>
        <PatternsView url={url} env={env.filter} />
      </Suspense>
    </>
  );
}

async function PatternsView({ url, env }: { url: PageUrl; env: EnvFilter }) {
  const r = await load((deps) => getPatterns(deps, { ...url.window, ...env }));
  if (!r.ok) return <ErrorNotice error={r.error} />;
  const p = r.data;
  if (p.messageTypes.length === 0) {
    return (
      <EmptyState title={`No messages in ${describeRange(url.time, url.window)}`}>
        <p>Patterns are read from publish (PRODUCER) and deliver (CONSUMER) spans, and from the sync calls consumers make while they handle a message.</p>
        <SendDataHelp endpoint={otlpHttpEndpoint()} />
      </EmptyState>
    );
  }
  const count = (k: string) => p.messageTypes.filter((t) => t.kind === k).length;
  return (
    <>
      <div className="stats">
        <Stat k="events" v={String(count('event'))} testId="patterns-events" />
        <Stat k="commands" v={String(count('command'))} testId="patterns-commands" />
        <Stat k="orchestrated flows" v={String(p.flows.filter((f) => f.kind === 'orchestrated').length)} />
        <Stat k="choreographed flows" v={String(p.flows.filter((f) => f.kind === 'choreographed').length)} />
        <Stat k="consumers calling back" v={String(p.consumers.filter((c) => c.kind === 'notification-with-callback').length)} />
      </div>
      <MessageTypeSection types={p.messageTypes} requestsHref={(destination) => links.requests(url.time, { destination })} />
      <FlowSection flows={p.flows} />
      <ConsumerSection consumers={p.consumers} />
      <RequestReplySection pairs={p.requestReply} />
    </>
  );
}
