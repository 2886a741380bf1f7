'use client';
// Extra deliveries and ordering inversions per interval over the range (stacked bars). Dragging
// across the chart zooms the page into that time (components/common/useChartZoom.ts).
import { Bar, BarChart, CartesianGrid, Legend, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useChartZoom } from '@/components/common/useChartZoom';
import { formatClock } from '@/lib/ui/format';

export interface AnomalyPoint {
  ts: number;
  redelivery: number;
  duplicate: number;
  ordering: number;
}

const tick = { fontSize: 11, fill: '#5b6575' };

export function AnomalyChart({ data }: { data: AnomalyPoint[] }) {
  const zoom = useChartZoom();
  return (
    <div style={{ height: 190 }} data-testid="anomaly-chart">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} {...zoom.handlers}>
          <CartesianGrid stroke="#eef0f3" vertical={false} />
          <XAxis dataKey="ts" tickFormatter={(v: number) => formatClock(v)} tick={tick} minTickGap={40} />
          <YAxis allowDecimals={false} tick={tick} width={36} />
          <Tooltip labelFormatter={(v) => `${formatClock(Number(v))} UTC`} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          <Bar dataKey="duplicate" name="duplicate after success" stackId="a" fill="#dc2626" isAnimationActive={false} />
          <Bar dataKey="redelivery" name="redelivery after failure" stackId="a" fill="#f59e0b" isAnimationActive={false} />
          <Bar dataKey="ordering" name="ordering inversion" stackId="a" fill="#7c3aed" isAnimationActive={false} />
          {zoom.area ? <ReferenceArea x1={zoom.area.x1} x2={zoom.area.x2} fill="#2563eb" fillOpacity={0.12} /> : null}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
