'use client';
// The frame every time-series line chart of the dashboard shares (Recharts): a time x-axis, a
// y-axis, tooltip and legend, and the drag-to-zoom selection (components/common/useChartZoom.ts).
// The caller passes its <Line> elements as children; they stay direct children of the LineChart.
import type { ReactNode } from 'react';
import { CartesianGrid, Legend, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useChartZoom } from '@/components/common/useChartZoom';
import { formatClock } from '@/lib/ui/format';

const axisTick = { fontSize: 11, fill: '#5b6575' };

/** Colours of series that are one of many alike (consumer groups, partitions). */
export const SERIES_COLORS = ['#2563eb', '#16a34a', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#b45309', '#dc2626', '#475569'];

export function TimeChart({
  data,
  children,
  yFormat,
  yWidth = 44,
  valueFormat,
}: {
  /** rows with `ts` (epoch ms) and the series' values */
  data: Record<string, unknown>[];
  children: ReactNode;
  /** y tick labels (default: whole numbers) */
  yFormat?: (v: number) => string;
  yWidth?: number;
  /** tooltip values */
  valueFormat?: (v: unknown) => string;
}) {
  const zoom = useChartZoom();
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} {...zoom.handlers}>
        <CartesianGrid stroke="#eef0f3" vertical={false} />
        <XAxis dataKey="ts" type="number" domain={['dataMin', 'dataMax']} scale="time" tickFormatter={(v: number) => formatClock(v)} tick={axisTick} minTickGap={40} />
        <YAxis allowDecimals={!!yFormat} tick={axisTick} width={yWidth} tickFormatter={yFormat} />
        <Tooltip labelFormatter={(v) => `${formatClock(Number(v))} UTC`} formatter={valueFormat ? (v) => valueFormat(v) : undefined} />
        <Legend wrapperStyle={{ fontSize: 11 }} />
        {children}
        {zoom.area ? <ReferenceArea x1={zoom.area.x1} x2={zoom.area.x2} fill="#2563eb" fillOpacity={0.12} /> : null}
      </LineChart>
    </ResponsiveContainer>
  );
}
