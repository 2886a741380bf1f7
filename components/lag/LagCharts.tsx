'use client';
// Backlog and queue time of one consumer group (or partition) over the range (Recharts). Dragging
// across a chart zooms the page into that time (components/common/useChartZoom.ts).
import { Line } from 'recharts';
import { TimeChart } from '@/components/common/TimeChart';
import type { LagPoint } from '@/lib/analysis/lag';
import { formatDurationMs } from '@/lib/ui/format';

export function LagCharts({ series }: { series: LagPoint[] }) {
  const data = series.map((p) => ({ ...p, ts: Date.parse(p.t) }));
  return (
    <div className="grid2">
      <div>
        <div className="help">Backlog (messages published, not yet delivered) and throughput per interval</div>
        <div className="lag-row-chart" data-testid="lag-chart-backlog">
          <TimeChart data={data}>
            <Line type="monotone" dataKey="backlog" name="backlog (msgs)" stroke="#dc2626" strokeWidth={2} dot={false} isAnimationActive={false} />
            <Line type="monotone" dataKey="published" name="published" stroke="#94a3b8" strokeWidth={1.5} dot={false} isAnimationActive={false} />
            <Line type="monotone" dataKey="delivered" name="delivered" stroke="#2563eb" strokeWidth={1.5} dot={false} isAnimationActive={false} />
          </TimeChart>
        </div>
      </div>
      <div>
        <div className="help">Queue time (deliver start − publish end) and age of the oldest waiting message</div>
        <div className="lag-row-chart" data-testid="lag-chart-queue">
          <TimeChart data={data} yWidth={64} yFormat={(v) => formatDurationMs(v)} valueFormat={(v) => (typeof v === 'number' ? formatDurationMs(v) : '–')}>
            <Line type="monotone" dataKey="queueP95Ms" name="queue p95" stroke="#7c3aed" strokeWidth={2} dot={false} connectNulls isAnimationActive={false} />
            <Line type="monotone" dataKey="queueP50Ms" name="queue p50" stroke="#a78bfa" strokeWidth={1.5} dot={false} connectNulls isAnimationActive={false} />
            <Line type="monotone" dataKey="oldestUndeliveredAgeMs" name="oldest waiting" stroke="#f59e0b" strokeWidth={1.5} strokeDasharray="4 3" dot={false} isAnimationActive={false} />
          </TimeChart>
        </div>
      </div>
    </div>
  );
}
