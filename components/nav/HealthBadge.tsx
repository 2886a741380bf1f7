// Health indicator in the top bar: is the store answering, how many spans are stored, which mode.
import { apiGet } from '@/lib/ui/server';
import { formatCount } from '@/lib/ui/format';

interface Health {
  status: string;
  store: { mode: string; database: string; clickhouseVersion: string };
  spansStored: number;
}

export async function HealthBadge() {
  const r = await apiGet<Health>('/api/health');
  if (!r.ok) {
    return (
      <span className="health" title={r.error} data-testid="health">
        <span className="health-dot down" /> store unavailable
      </span>
    );
  }
  const h = r.data;
  const mode = h.store.mode === 'embedded' ? 'embedded chDB' : 'ClickHouse server';
  return (
    <span
      className="health"
      data-testid="health"
      title={`ClickHouse ${h.store.clickhouseVersion}, database ${h.store.database}`}
    >
      <span className={`health-dot${h.spansStored === 0 ? ' idle' : ''}`} />
      {formatCount(h.spansStored)} spans stored · {mode}
    </span>
  );
}
