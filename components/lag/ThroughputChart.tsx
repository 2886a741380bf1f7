'use client';
// Throughput of one destination over the range (Recharts): messages published per step, and
// messages delivered per step to each of its consumer groups (from /api/throughput's series).
// Dragging across the chart zooms the page into that time (components/common/useChartZoom.ts).
import { CartesianGrid, Legend, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useChartZoom } from '@/components/common/useChartZoom';
import type { DestinationThroughput } from '@/lib/analysis/throughput';
import { formatClock } from '@/lib/ui/format';

const axisTick = { fontSize: 11, fill: '#5b6575' };
const GROUP_COLORS = ['#2563eb', '#16a34a', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#b45309'];

export function ThroughputChart({ d }: { d: DestinationThroughput }) {
  const zoom = useChartZoom();
  const data = d.series.map((p, i) => {
    const row: Record<string, number> = { ts: Date.parse(p.t), published: p.published };
    d.groups.forEach((g, k) => {
      row[`g${k}`] = g.series[i]?.delivered ?? 0;
    });
    return row;
  });
  return (
    <div className="lag-row-chart" data-testid="throughput-chart" data-destination={d.destination}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} {...zoom.handlers}>
          <CartesianGrid stroke="#eef0f3" vertical={false} />
          <XAxis dataKey="ts" type="number" domain={['dataMin', 'dataMax']} scale="time" tickFormatter={(v: number) => formatClock(v)} tick={axisTick} minTickGap={40} />
          <YAxis allowDecimals={false} tick={axisTick} width={44} />
          <Tooltip labelFormatter={(v) => `${formatClock(Number(v))} UTC`} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          <Line type="monotone" dataKey="published" name="published" stroke="#94a3b8" strokeWidth={2} dot={false} isAnimationActive={false} />
          {d.groups.map((g, k) => (
            <Line
              key={g.consumerGroup}
              type="monotone"
              dataKey={`g${k}`}
              name={`delivered to ${g.consumerGroup}`}
              stroke={GROUP_COLORS[k % GROUP_COLORS.length]}
              strokeWidth={1.5}
              dot={false}
              isAnimationActive={false}
            />
          ))}
          {zoom.area ? <ReferenceArea x1={zoom.area.x1} x2={zoom.area.x2} fill="#2563eb" fillOpacity={0.12} /> : null}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
