'use client';
// Backlog per partition of one destination × consumer group over the range (Recharts): one line
// per partition, so the partition that falls behind stands out from the ones that keep up.
import { Line } from 'recharts';
import { SERIES_COLORS, TimeChart } from '@/components/common/TimeChart';
import type { PartitionLag } from '@/lib/analysis/lag';
/** More partitions than this: the most behind are drawn, the rest are in the table below. */
const MAX_LINES = 10;

export function PartitionLagChart({ partitions }: { partitions: PartitionLag[] }) {
  const shown = [...partitions].sort((a, b) => b.current.backlog - a.current.backlog || a.partition.localeCompare(b.partition, undefined, { numeric: true })).slice(0, MAX_LINES);
  shown.sort((a, b) => a.partition.localeCompare(b.partition, undefined, { numeric: true }));
  const data = (shown[0]?.series ?? []).map((p, i) => {
    const row: Record<string, number> = { ts: Date.parse(p.t) };
    shown.forEach((part, k) => {
      row[`p${k}`] = part.series[i]?.backlog ?? 0;
    });
    return row;
  });
  return (
    <div>
      <div className="help">
        Backlog per partition (messages published, not yet delivered)
        {partitions.length > MAX_LINES ? ` — the ${MAX_LINES} partitions most behind of ${partitions.length}` : ''}
      </div>
      <div className="lag-row-chart" data-testid="lag-chart-partitions">
        <TimeChart data={data}>
          {shown.map((p, k) => (
            <Line key={p.partition} type="monotone" dataKey={`p${k}`} name={`partition ${p.partition}`} stroke={SERIES_COLORS[k % SERIES_COLORS.length]} strokeWidth={1.5} dot={false} isAnimationActive={false} />
          ))}
        </TimeChart>
      </div>
    </div>
  );
}
