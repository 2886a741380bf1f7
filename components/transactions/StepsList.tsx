// The steps of a business transaction in order, with each break in the trace context marked where it
// happened (between the two steps it separates) and explained in one line.
import Link from 'next/link';
import type { Transaction, TransactionStep } from '@/lib/analysis/transactions';
import { ServiceChip } from '@/components/common/ServiceChip';
import { formatDurationMs, nsDiffMs, shortId } from '@/lib/ui/format';
import { links } from '@/lib/ui/url';

const KIND: Record<TransactionStep['kind'], string> = { entry: 'entry', publish: 'publish', deliver: 'deliver' };

export function StepsList({ t }: { t: Transaction }) {
  const breakAt = new Map(t.breaks.map((b) => [b.after.index, b]));
  return (
    <div className="panel" data-testid="transaction-steps">
      <h2>Steps in order</h2>
      {t.breaks.length === 0 ? (
        <p className="help" data-testid="transaction-no-break">
          The trace context held: every trace of this transaction is a parent/child or a link away from the first.
        </p>
      ) : null}
      <table className="table">
        <thead>
          <tr>
            <th>#</th>
            <th>at</th>
            <th>step</th>
            <th>what</th>
            <th>service</th>
            <th>waited in queue</th>
            <th>took</th>
            <th>trace</th>
          </tr>
        </thead>
        <tbody>
          {t.steps.map((s) => {
            const b = breakAt.get(s.index);
            return [
              b ? (
                <tr key={`b${s.index}`} data-testid="transaction-break">
                  <td colSpan={8} style={{ background: 'var(--warn-bg, #fff4e0)', borderLeft: '4px solid var(--warn, #d08700)' }}>
                    <b>⚠ trace context broken</b> — {b.explanation}
                    {b.gapMs !== null ? ` (${formatDurationMs(b.gapMs)} after the step before)` : ''}
                  </td>
                </tr>
              ) : null,
              <tr key={s.index} data-testid="transaction-step" style={s.error ? { color: 'var(--error)' } : undefined}>
                <td>{s.index + 1}</td>
                <td className="mono">+{formatDurationMs(nsDiffMs(s.startNs, t.startNs))}</td>
                <td>
                  <span className="badge neutral">{KIND[s.kind]}</span>
                </td>
                <td>
                  <b>{s.label}</b>
                  {s.destination && s.destination !== s.label ? <span className="help"> on {s.destination}</span> : null}
                  {s.consumerGroup ? <span className="help"> · group {s.consumerGroup}</span> : null}
                  {s.error ? <span className="badge danger" style={{ marginLeft: 6 }}>error</span> : null}
                </td>
                <td>
                  <ServiceChip service={s.service} />
                </td>
                <td>{s.kind === 'deliver' ? (s.queueMs === null ? 'unknown' : formatDurationMs(s.queueMs)) : ''}</td>
                <td>{formatDurationMs(s.durationMs)}</td>
                <td className="mono">
                  <Link href={links.request(s.traceId, s.spanId)} title={s.traceId}>
                    {shortId(s.traceId)}
                  </Link>
                </td>
              </tr>,
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}
