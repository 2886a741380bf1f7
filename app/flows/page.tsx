// Flows and stuck transactions (issue 13): the usual steps each business transaction goes through,
// learnt from what was observed, and the transactions that stopped on the way for longer than usual.
import Link from 'next/link';
import { Suspense } from 'react';
import { PageHeader } from '@/components/common/PageHeader';
import { TimeBar, UrlNotices } from '@/components/common/TimeBar';
import { Stat } from '@/components/common/Stat';
import { EmptyState, ErrorNotice, SendDataHelp, Skeleton } from '@/components/common/States';
import { FlowSteps } from '@/components/flows/FlowSteps';
import { StuckSeries } from '@/components/flows/StuckSeries';
import { StuckTable } from '@/components/flows/StuckTable';
import type { FlowSummary } from '@/lib/analysis/flow-model';
import { FLOWS_DEFAULT_FROM, getFlows } from '@/lib/api/flows';
import { getConfig } from '@/lib/runtime';
import { formatCount, formatDurationMs } from '@/lib/ui/format';
import { liveIntervalMs, load, otlpHttpEndpoint } from '@/lib/ui/server';
import { describeRange, hrefWith, readPageUrl, timeQuery, type PageUrl, type SearchParams } from '@/lib/ui/url';

const STUCK_SHOWN = 200;

export default async function FlowsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const url = readPageUrl(sp, ['flow'], new Date(), FLOWS_DEFAULT_FROM);
  const raw = sp.flow;
  const flow = (Array.isArray(raw) ? raw[0] : raw) || undefined;
  return (
    <>
      <PageHeader
        title="Flows"
        help={
          <>
            A <b>business transaction</b> is everything that carried one business key value, such as one order id (the keys are set
            with EVENTSCOPE_BUSINESS_KEYS). A <b>flow</b> is the sequence of steps such transactions usually go through — each step a
            message type delivered to its consumers — learnt from the traffic itself, with the usual time each step takes after the
            previous one. A transaction is <b>stuck</b> when it followed the usual steps so far and then stopped before the usual end
            for much longer than the next step usually takes.
          </>
        }
      >
        <TimeBar url={url} intervalMs={liveIntervalMs()} />
      </PageHeader>
      <UrlNotices notices={url.notices} />
      <Suspense key={`${url.time.from}|${url.time.to}|${flow}`} fallback={<Skeleton height={400} />}>
        <FlowsView url={url} flow={flow} />
      </Suspense>
    </>
  );
}

async function FlowsView({ url, flow }: { url: PageUrl; flow?: string }) {
  const config = getConfig();
  const r = await load((deps) => getFlows(deps, url.window));
  if (!r.ok) return <ErrorNotice error={r.error} />;
  const { flows, stuck, rules, truncated } = r.data;
  if (flows.length === 0) {
    const configured = config.businessKeys.slice(1);
    return (
      <EmptyState title={`No business transactions in ${describeRange(url.time, url.window)}`}>
        <p>
          Flows are learnt from messages whose publish or delivery span carries a business key:{' '}
          {configured.length ? <>{config.businessKeys.join(', ')}.</> : <>only messaging.message.conversation_id is configured. Set EVENTSCOPE_BUSINESS_KEYS (e.g. order.id) to follow your own ids.</>}
        </p>
        <SendDataHelp endpoint={otlpHttpEndpoint()} />
      </EmptyState>
    );
  }
  const shownFlows = flow ? flows.filter((f) => f.id === flow) : flows;
  const shownStuck = flow ? stuck.filter((s) => s.flowId === flow) : stuck;
  const q = timeQuery(url.time);
  const learning = flows.filter((f) => !f.learnt);
  return (
    <>
      <div className="stats">
        <Stat k="flows" v={String(flows.filter((f) => f.learnt).length)} title="flows with enough completed transactions to learn their usual steps" testId="flows-count" />
        <Stat k="transactions" v={formatCount(flows.reduce((n, f) => n + f.transactions, 0))} />
        <Stat k="stuck now" v={String(stuck.length)} tone={stuck.length ? 'danger' : undefined} testId="flows-stuck" />
      </div>
      {truncated ? <p className="help">Only the first {formatCount(truncated.limit)} steps of the range were read; choose a shorter range for complete numbers.</p> : null}
      {flow && shownFlows.length === 0 ? <p className="help">No flow {JSON.stringify(flow)} in this range.</p> : null}

      <section className="panel" data-testid="stuck-panel">
        <div className="panel-title">
          <h2 style={{ fontSize: 15 }}>Stuck transactions{flow ? ` of ${flow}` : ''}</h2>
          {flow ? <Link href={hrefWith('/flows', {}, q)}>all flows</Link> : null}
        </div>
        <div className="help" style={{ marginBottom: 8 }}>
          Each one reached a step of its flow and then nothing more came for longer than the next step's limit: {rules.multiplier} × that
          step's usual 95th-percentile time, and at least {formatDurationMs(rules.minMs)} (EVENTSCOPE_STUCK_P95_MULTIPLIER,
          EVENTSCOPE_STUCK_MIN_SECONDS). &ldquo;Should have acted&rdquo; is the consumer group that usually receives the missing step&rsquo;s message:
          either it did not receive it, or the service that usually sends it did not.
        </div>
        {shownStuck.length ? <StuckTable stuck={shownStuck.slice(0, STUCK_SHOWN)} total={shownStuck.length} /> : <p data-testid="stuck-none">No transaction is stuck.</p>}
      </section>

      <section className="panel" data-testid="flows-panel">
        <div className="panel-title">
          <h2 style={{ fontSize: 15 }}>Usual steps</h2>
        </div>
        <div className="help" style={{ marginBottom: 8 }}>
          A flow is named by its business key and its first step. Its usual steps are the sequence most of its transactions went
          through; the times between the boxes are the median and 95th percentile from the previous step. Nothing is judged stuck
          until {rules.minSamples} transactions have gone the whole way (EVENTSCOPE_STUCK_MIN_SAMPLES).
        </div>
        {(flow ? shownFlows : shownFlows.filter((f) => f.learnt)).map((f) => (
          <FlowBlock key={f.id} f={f} href={hrefWith('/flows', {}, { ...q, flow: f.id })} />
        ))}
        {!flow && learning.length ? (
          <div data-testid="flows-learning" className="help" style={{ borderTop: '1px solid var(--border)', paddingTop: 8 }}>
            Still learning ({learning.length === 1 ? 'one flow' : `${learning.length} flows`} with fewer than {rules.minSamples} transactions that went
            the whole way, often transactions that began before this range or whose first steps were nearly simultaneous):{' '}
            {learning.slice(0, 20).map((f, i) => (
              <span key={f.id}>
                {i ? ', ' : ''}
                <Link href={hrefWith('/flows', {}, { ...q, flow: f.id })}>{f.entry}</Link> by {f.key} ({plural(f.transactions, 'transaction')})
              </span>
            ))}
            {learning.length > 20 ? ` and ${learning.length - 20} more` : ''}.
          </div>
        ) : null}
      </section>
    </>
  );
}

const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

function FlowBlock({ f, href }: { f: FlowSummary; href: string }) {
  return (
    <div data-testid="flow" data-flow={f.id} style={{ borderTop: '1px solid var(--border)', padding: '10px 0' }}>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 16, alignItems: 'flex-start', justifyContent: 'space-between' }}>
        <div>
          <Link href={href} style={{ fontWeight: 600 }}>
            {f.entry}
          </Link>{' '}
          <span className="help">by {f.key}</span>
          {f.learnt ? null : (
            <span className="badge neutral" style={{ marginLeft: 8 }} title="fewer completed transactions than EVENTSCOPE_STUCK_MIN_SAMPLES">
              still learning
            </span>
          )}
          <div className="help">
            {plural(f.transactions, 'transaction')}: {formatCount(f.completed)} went the whole way, {formatCount(f.inProgress)} on the way,{' '}
            {f.stuck ? <b style={{ color: 'var(--error)' }}>{f.stuck} stuck</b> : '0 stuck'}
            {f.otherPaths ? <>, {formatCount(f.otherPaths)} took another path (not judged)</> : null}
          </div>
        </div>
        {f.learnt ? <StuckSeries series={f.series} /> : null}
      </div>
      {f.usualSteps.length > 1 ? <FlowSteps flow={f} /> : <p className="help">A single step so far: nothing follows {f.entry} for this key.</p>}
    </div>
  );
}
