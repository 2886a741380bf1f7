'use client';
// Backlog and queue time of one consumer group (or partition) over the range (Recharts). Dragging
// across a chart zooms the page into that time (components/common/useChartZoom.ts).
import { CartesianGrid, Legend, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useChartZoom } from '@/components/common/useChartZoom';
import type { LagPoint } from '@/lib/analysis/lag';
import { formatClock, formatDurationMs } from '@/lib/ui/format';

const axisTick = { fontSize: 11, fill: '#5b6575' };

export function LagCharts({ series }: { series: LagPoint[] }) {
  const data = series.map((p) => ({ ...p, ts: Date.parse(p.t) }));
  const zoom = useChartZoom();
  return (
    <div className="grid2">
      <div>
        <div className="help">Backlog (messages published, not yet delivered) and throughput per interval</div>
        <div className="lag-row-chart" data-testid="lag-chart-backlog">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} {...zoom.handlers}>
              <CartesianGrid stroke="#eef0f3" vertical={false} />
              <XAxis dataKey="ts" type="number" domain={['dataMin', 'dataMax']} scale="time" tickFormatter={(v: number) => formatClock(v)} tick={axisTick} minTickGap={40} />
              <YAxis allowDecimals={false} tick={axisTick} width={44} />
              <Tooltip labelFormatter={(v) => `${formatClock(Number(v))} UTC`} />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              <Line type="monotone" dataKey="backlog" name="backlog (msgs)" stroke="#dc2626" strokeWidth={2} dot={false} isAnimationActive={false} />
              <Line type="monotone" dataKey="published" name="published" stroke="#94a3b8" strokeWidth={1.5} dot={false} isAnimationActive={false} />
              <Line type="monotone" dataKey="delivered" name="delivered" stroke="#2563eb" strokeWidth={1.5} dot={false} isAnimationActive={false} />
              {zoom.area ? <ReferenceArea x1={zoom.area.x1} x2={zoom.area.x2} fill="#2563eb" fillOpacity={0.12} /> : null}
            </LineChart>
          </ResponsiveContainer>
        </div>
      </div>
      <div>
        <div className="help">Queue time (deliver start − publish end) and age of the oldest waiting message</div>
        <div className="lag-row-chart" data-testid="lag-chart-queue">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} {...zoom.handlers}>
              <CartesianGrid stroke="#eef0f3" vertical={false} />
              <XAxis dataKey="ts" type="number" domain={['dataMin', 'dataMax']} scale="time" tickFormatter={(v: number) => formatClock(v)} tick={axisTick} minTickGap={40} />
              <YAxis tick={axisTick} width={56} tickFormatter={(v: number) => formatDurationMs(v)} />
              <Tooltip labelFormatter={(v) => `${formatClock(Number(v))} UTC`} formatter={(v) => (typeof v === 'number' ? formatDurationMs(v) : '–')} />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              <Line type="monotone" dataKey="queueP95Ms" name="queue p95" stroke="#7c3aed" strokeWidth={2} dot={false} connectNulls isAnimationActive={false} />
              <Line type="monotone" dataKey="queueP50Ms" name="queue p50" stroke="#a78bfa" strokeWidth={1.5} dot={false} connectNulls isAnimationActive={false} />
              <Line type="monotone" dataKey="oldestUndeliveredAgeMs" name="oldest waiting" stroke="#f59e0b" strokeWidth={1.5} strokeDasharray="4 3" dot={false} isAnimationActive={false} />
              {zoom.area ? <ReferenceArea x1={zoom.area.x1} x2={zoom.area.x2} fill="#2563eb" fillOpacity={0.12} /> : null}
            </LineChart>
          </ResponsiveContainer>
        </div>
      </div>
    </div>
  );
}
