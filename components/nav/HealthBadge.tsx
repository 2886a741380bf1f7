// Health indicator in the top bar: is the store answering, how many spans are stored, which mode —
// or, when /api/health says Eventscope is degraded, that and why.
import { getHealth } from '@/lib/api/health';
import { load } from '@/lib/ui/server';
import { formatCount } from '@/lib/ui/format';

export async function HealthBadge() {
  const r = await load(getHealth);
  if (!r.ok || r.data.status === 'down') {
    return (
      <span className="health" title={r.ok ? (r.data.reason ?? undefined) : r.error} data-testid="health" data-status="down">
        <span className="health-dot down" /> store unavailable
      </span>
    );
  }
  const h = r.data;
  const mode = h.store.mode === 'embedded' ? 'embedded chDB' : 'ClickHouse server';
  if (h.status !== 'ok') {
    const reason = h.reason || 'no reason given';
    return (
      <span className="health" data-testid="health" data-status={h.status} title={reason}>
        <span className="health-dot degraded" />
        <strong className="health-label">{h.status}</strong>
        <span className="health-reason" data-testid="health-reason">{reason}</span>
      </span>
    );
  }
  return (
    <span
      className="health"
      data-testid="health"
      data-status="ok"
      title={`ClickHouse ${h.store.clickhouseVersion}, database ${h.store.database}`}
    >
      <span className={`health-dot${h.spansStored === 0 ? ' idle' : ''}`} />
      {formatCount(h.spansStored ?? 0)} spans stored · {mode}
    </span>
  );
}
