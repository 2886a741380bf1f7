// Throughput per destination and consumer group for the lag page (server part): one chart per
// destination from /api/throughput's function (lib/api/throughput.ts), at whole-minute steps.
import type { EnvFilter } from '@/lib/hops/env';
import { getThroughput } from '@/lib/api/throughput';
import { load } from '@/lib/ui/server';
import { ErrorNotice } from '@/components/common/States';
import { formatMessages } from '@/lib/ui/format';
import { ThroughputChart } from './ThroughputChart';

/** A nice whole-minute step giving at most ~60 points. */
function minuteStep(rangeMs: number): number {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440].map((m) => m * 60_000);
  return steps.find((s) => rangeMs / s <= 60) ?? steps[steps.length - 1]!;
}

export async function ThroughputPanel({ fromMs, toMs, destination, group, env }: { fromMs: number; toMs: number; destination?: string; group?: string; env: EnvFilter }) {
  const stepMs = minuteStep(toMs - fromMs);
  const r = await load((deps) => getThroughput(deps, { fromMs, toMs, stepMs, destination, consumerGroup: group, ...env }));
  if (!r.ok) return <ErrorNotice error={r.error} />;
  if (r.data.destinations.length === 0) return null;
  const per = stepMs === 60_000 ? 'minute' : `${stepMs / 60_000} minutes`;
  return (
    <section className="panel" data-testid="throughput">
      <div className="panel-title">
        <h2>Throughput</h2>
        <span className="help">messages per {per}, from the per-minute state</span>
      </div>
      <p className="help" style={{ marginTop: 0 }}>
        Messages <b>published</b> to each destination and <b>delivered</b> to each of its consumer groups (every delivery, repeats
        included). A group whose line stays below the published one is falling behind; one above it receives messages more than once. The last step may still be filling.
      </p>
      <div className="grid2">
        {r.data.destinations.map((d) => (
          <div key={d.destination}>
            <h3 style={{ margin: '4px 0' }}>{d.destination}</h3>
            <div className="help">
              {formatMessages(d.published)} published by {d.publishers.join(', ') || 'no stored publisher'}
              {d.groups.length ? ` · delivered: ${d.groups.map((g) => `${g.consumerGroup} ${formatMessages(g.delivered)}`).join(', ')}` : ''}
            </div>
            <ThroughputChart d={d} />
          </div>
        ))}
      </div>
    </section>
  );
}
