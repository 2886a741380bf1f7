'use client';
// Throughput of one destination over the range (Recharts): messages published per step, and
// messages delivered per step to each of its consumer groups (from /api/throughput's series).
// Dragging across the chart zooms the page into that time (components/common/useChartZoom.ts).
import { Line } from 'recharts';
import { SERIES_COLORS, TimeChart } from '@/components/common/TimeChart';
import type { DestinationThroughput } from '@/lib/analysis/throughput';

export function ThroughputChart({ d }: { d: DestinationThroughput }) {
  const data = d.series.map((p, i) => {
    const row: Record<string, number> = { ts: Date.parse(p.t), published: p.published };
    d.groups.forEach((g, k) => {
      row[`g${k}`] = g.series[i]?.delivered ?? 0;
    });
    return row;
  });
  return (
    <div className="lag-row-chart" data-testid="throughput-chart" data-destination={d.destination}>
      <TimeChart data={data}>
        <Line type="monotone" dataKey="published" name="published" stroke="#94a3b8" strokeWidth={2} dot={false} isAnimationActive={false} />
        {d.groups.map((g, k) => (
          <Line
            key={g.consumerGroup}
            type="monotone"
            dataKey={`g${k}`}
            name={`delivered to ${g.consumerGroup}`}
            stroke={SERIES_COLORS[k % SERIES_COLORS.length]}
            strokeWidth={1.5}
            dot={false}
            isAnimationActive={false}
          />
        ))}
      </TimeChart>
    </div>
  );
}
