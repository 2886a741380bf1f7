// One business transaction (issue 13): every trace that carried key=value, its steps in order with the
// breaks in trace context marked, and all its spans on one timeline.
import { PageHeader } from '@/components/common/PageHeader';
import { Suspense } from 'react';
import { Stat } from '@/components/common/Stat';
import { Timeline } from '@/components/timeline/Timeline';
import { StepsList } from '@/components/transactions/StepsList';
import { ServiceChip } from '@/components/common/ServiceChip';
import { EmptyState, ErrorNotice, Skeleton } from '@/components/common/States';
import { getTransaction, parseTransactionInput } from '@/lib/api/transactions';
import { getConfig } from '@/lib/runtime';
import { load } from '@/lib/ui/server';
import { formatDateTime, formatDurationMs } from '@/lib/ui/format';

export default async function TransactionPage({ params }: { params: Promise<{ key: string; value: string }> }) {
  const p = await params;
  const key = safeDecode(p.key);
  const value = safeDecode(p.value);
  return (
    <>
      <PageHeader
        back={{ href: '/requests', label: 'Requests' }}
        title={
          <>
            Transaction <span className="mono" style={{ fontSize: 16 }}>{key}={value}</span>
          </>
        }
        help="Everything that carried this business key in the last 7 days, across traces: the steps in the order they happened, and every span on one timeline. Where a service started a fresh trace without a link to the earlier ones (lost trace context), the break is marked: only the business key ties that part in."
      />
      <Suspense key={`${key}=${value}`} fallback={<Skeleton height={500} />}>
        <TransactionView k={key} value={value} />
      </Suspense>
    </>
  );
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

async function TransactionView({ k, value }: { k: string; value: string }) {
  const r = await load((deps) => getTransaction(deps, parseTransactionInput(new URL('http://page/'), { key: k, value }, deps.now, deps.config.businessKeys)));
  if (!r.ok) {
    if (r.status === 404) {
      return (
        <EmptyState title="No span carries this business key">
          <p>
            Nothing received in the last 7 days carries <code>{k}={value}</code> as a span or resource attribute. Spans
            arrive a few seconds after the work is done; reload in a moment.
          </p>
        </EmptyState>
      );
    }
    return <ErrorNotice error={r.error} />;
  }
  const t = r.data;
  return (
    <>
      <div className="stats" data-testid="transaction-summary">
        <Stat k="started" v={formatDateTime(new Date(Number(BigInt(t.startNs) / 1_000_000n)))} />
        <Stat k="duration" v={formatDurationMs(t.durationMs)} />
        <Stat k="steps" v={String(t.steps.length)} />
        <Stat k={t.traceIds.length === 1 ? 'trace' : 'traces'} v={String(t.traceIds.length)} />
        <Stat k="context breaks" v={String(t.breaks.length)} tone={t.breaks.length ? 'warn' : undefined} testId="transaction-breaks" />
        <Stat k="spans with the key" v={String(t.keySpanCount)} />
      </div>
      <div className="help" style={{ marginBottom: 10 }}>
        Services: {t.services.map((s) => <ServiceChip key={s} service={s} />)}
      </div>
      {t.truncated ? (
        <div className="notice-error" style={{ marginBottom: 10 }}>
          This transaction is larger than shown: stopped at its {t.truncated.reason} limit ({t.truncated.limit}).
        </div>
      ) : null}
      <StepsList t={t} />
      <div style={{ height: 14 }} />
      <Timeline data={t.timeline} businessKeys={getConfig().businessKeys} />
    </>
  );
}
