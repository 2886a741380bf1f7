// Reading Eventscope's own metrics (lib/metrics.ts) in tests: the sum of a metric's samples whose
// labels include the given ones.
import { metrics, type Metrics } from '../../lib/metrics.js';

type MetricName = { [K in keyof Metrics]: Metrics[K] extends { get(): unknown } ? K : never }[keyof Metrics];

export async function metricTotal(name: MetricName, labels: Record<string, string> = {}): Promise<number> {
  const { values } = (await metrics()[name].get()) as { values: { labels: Record<string, unknown>; value: number; metricName?: string }[] };
  return values
    .filter((v) => !v.metricName || !/_(bucket|sum)$/.test(v.metricName)) // histograms: their _count
    .filter((v) => Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x))
    .reduce((a, v) => a + v.value, 0);
}
