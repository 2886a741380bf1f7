// The stuck transactions (server component): which step each reached, which step did not come,
// who should have acted, how long it has waited against what is usual, and a link to the transaction.
import Link from 'next/link';
import type { StuckTransaction } from '@/lib/analysis/flow-model';
import { formatDateTime, formatDurationMs } from '@/lib/ui/format';

export function StuckTable({ stuck, total }: { stuck: StuckTransaction[]; total: number }) {
  return (
    <>
      <table className="data" data-testid="stuck-table">
        <thead>
          <tr>
            <th>Transaction</th>
            <th>Flow</th>
            <th>Reached</th>
            <th>Missing step</th>
            <th title="the consumer group that usually receives the missing step's message">Should have acted</th>
            <th className="num">Waiting</th>
            <th className="num" title="max(EVENTSCOPE_STUCK_MIN_SECONDS, EVENTSCOPE_STUCK_P95_MULTIPLIER × the missing step's usual p95)">Stuck after</th>
          </tr>
        </thead>
        <tbody>
          {stuck.map((s) => (
            <tr key={s.flowId + s.value} data-testid="stuck-row" data-value={s.value} data-missing={s.missing.label}>
              <td>
                <Link href={s.link}>
                  {s.key}={s.value}
                </Link>
                <div className="help">started {formatDateTime(s.startedAt)}</div>
              </td>
              <td>{s.flowId.slice(s.key.length + 1)}</td>
              <td>
                step {s.reached.index + 1}: {s.reached.label}
                <div className="help">at {formatDateTime(s.reached.at)}</div>
              </td>
              <td>
                <span className="badge error">step {s.missing.index + 1}: {s.missing.label}</span>
                {s.missing.destination && s.missing.destination !== s.missing.label ? <div className="help">on {s.missing.destination}</div> : null}
              </td>
              <td>
                {s.missing.consumerGroups.join(', ') || '–'}
                {s.missing.publishers.length ? <div className="help">usually sent by {s.missing.publishers.join(', ')}</div> : null}
              </td>
              <td className="num">{formatDurationMs(s.waitingMs)}</td>
              <td className="num">{formatDurationMs(s.stuckAfterMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {total > stuck.length ? <p className="help">Showing the {stuck.length} longest waiting of {total} stuck transactions.</p> : null}
    </>
  );
}
