'use client';
// Backlog per partition of one destination × consumer group over the range (Recharts): one line
// per partition, so the partition that falls behind stands out from the ones that keep up.
import { CartesianGrid, Legend, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useChartZoom } from '@/components/common/useChartZoom';
import type { PartitionLag } from '@/lib/analysis/lag';
import { formatClock } from '@/lib/ui/format';

const axisTick = { fontSize: 11, fill: '#5b6575' };
const COLORS = ['#dc2626', '#2563eb', '#16a34a', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#b45309', '#475569'];
/** More partitions than this: the most behind are drawn, the rest are in the table below. */
const MAX_LINES = 10;

export function PartitionLagChart({ partitions }: { partitions: PartitionLag[] }) {
  const zoom = useChartZoom();
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
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} {...zoom.handlers}>
            <CartesianGrid stroke="#eef0f3" vertical={false} />
            <XAxis dataKey="ts" type="number" domain={['dataMin', 'dataMax']} scale="time" tickFormatter={(v: number) => formatClock(v)} tick={axisTick} minTickGap={40} />
            <YAxis allowDecimals={false} tick={axisTick} width={44} />
            <Tooltip labelFormatter={(v) => `${formatClock(Number(v))} UTC`} />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            {shown.map((p, k) => (
              <Line key={p.partition} type="monotone" dataKey={`p${k}`} name={`partition ${p.partition}`} stroke={COLORS[k % COLORS.length]} strokeWidth={1.5} dot={false} isAnimationActive={false} />
            ))}
            {zoom.area ? <ReferenceArea x1={zoom.area.x1} x2={zoom.area.x2} fill="#2563eb" fillOpacity={0.12} /> : null}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}
