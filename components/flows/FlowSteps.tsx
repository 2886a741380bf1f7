// One flow's usual steps as a chain of boxes (server component): the message type, who usually
// consumes it, and the usual time from the previous step (p50, p95) with the wait allowed before a
// transaction counts as stuck.
import type { FlowSummary } from '@/lib/analysis/flow-model';
import { formatDurationMs } from '@/lib/ui/format';

export function FlowSteps({ flow }: { flow: FlowSummary }) {
  return (
    <ol data-testid="flow-steps" style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'stretch', gap: 0, listStyle: 'none', padding: 0, margin: '8px 0' }}>
      {flow.usualSteps.map((s) => (
        <li key={s.label} data-testid="flow-step" data-step={s.label} style={{ display: 'flex', alignItems: 'center' }}>
          {s.index > 0 ? (
            <div style={{ textAlign: 'center', padding: '0 6px', minWidth: 92, fontSize: 11.5, color: 'var(--muted)' }} title="usual time from the previous step (median / 95th percentile)">
              <div>{formatDurationMs(s.p50Ms)} · p95 {formatDurationMs(s.p95Ms)}</div>
              <div aria-hidden style={{ fontSize: 16, lineHeight: 1, color: 'var(--faint)' }}>⟶</div>
              {flow.learnt && s.stuckAfterMs !== null ? <div style={{ color: 'var(--faint)' }}>stuck after {formatDurationMs(s.stuckAfterMs)}</div> : null}
            </div>
          ) : null}
          <div style={{ border: '1px solid var(--border-strong)', borderRadius: 6, padding: '6px 10px', background: s.index === 0 ? 'var(--accent-soft)' : '#fff', minWidth: 120 }}>
            <div style={{ fontSize: 11, color: 'var(--faint)' }}>step {s.index + 1}</div>
            <div style={{ fontWeight: 600 }}>{s.label}</div>
            <div className="help" title="the consumer groups that usually receive this step's message">
              {s.consumerGroups.length ? <>to {s.consumerGroups.join(', ')}</> : 'no consumer group'}
            </div>
            {s.publishers.length ? <div className="help">from {s.publishers.join(', ')}</div> : null}
          </div>
        </li>
      ))}
    </ol>
  );
}
