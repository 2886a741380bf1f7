// Stuck transactions of one flow over the range, as small bars (server component, plain SVG): each
// bar is how many of the flow's transactions were stuck at the end of that slice of the range.
import type { FlowSummary } from '@/lib/analysis/flow-model';
import { formatDateTime } from '@/lib/ui/format';

const W = 240;
const H = 36;

export function StuckSeries({ series }: { series: FlowSummary['series'] }) {
  const max = Math.max(1, ...series.map((p) => p.stuck));
  const bw = W / Math.max(1, series.length);
  return (
    <figure style={{ margin: 0 }} data-testid="flow-stuck-series">
      <svg width={W} height={H} role="img" aria-label={`stuck transactions over the range, at most ${max}`} style={{ display: 'block', background: '#f8fafc', borderRadius: 4 }}>
        {series.map((p, i) => {
          const h = p.stuck === 0 ? 1 : Math.max(3, (p.stuck / max) * (H - 4));
          return (
            <rect key={p.t} x={i * bw + 1} y={H - h} width={Math.max(1, bw - 2)} height={h} fill={p.stuck ? 'var(--error)' : 'var(--border-strong)'}>
              <title>{`${formatDateTime(p.t)}: ${p.stuck} stuck`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption className="help" style={{ fontSize: 11 }}>
        {series.some((p) => p.stuck) ? `stuck transactions over the range (at most ${max} at once)` : 'none stuck at any time in the range'}
      </figcaption>
    </figure>
  );
}
