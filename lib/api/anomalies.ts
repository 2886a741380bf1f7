// GET /api/anomalies: duplicate deliveries and ordering inversions (lib/analysis/anomalies.ts).
// Parameters: type = duplicate | ordering (omitted: both), from, to (default the last 15 minutes),
// step (bucket width of the count series; default ≈ 60 buckets), destination, group,
// limit (occurrences per type, 1–1000, default 100; counts always cover everything).
import { ANOMALY_TYPES, findDuplicates, findOrderingInversions, type AnomalyQuery, type AnomalyType } from '../analysis/anomalies.js';
import { ApiError, ok, type Handler } from './http.js';
import { optionalName, parseStep } from './lag.js';
import { parseTimeRange } from './time.js';

function parseTypes(url: URL): AnomalyType[] {
  const raw = url.searchParams.get('type');
  if (raw === null) return [...ANOMALY_TYPES];
  if (!(ANOMALY_TYPES as readonly string[]).includes(raw)) {
    throw new ApiError(`type: expected one of ${ANOMALY_TYPES.join(', ')} (or omit it for both), got "${raw}"`);
  }
  return [raw as AnomalyType];
}

function parseLimit(url: URL): number {
  const raw = url.searchParams.get('limit');
  if (raw === null) return 100;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) {
    throw new ApiError(`limit: expected an integer from 1 to 1000, got "${raw}"`);
  }
  return Number(raw);
}

export const handler: Handler = async ({ store, url, now }) => {
  const types = parseTypes(url);
  const { fromMs, toMs } = parseTimeRange(url, now);
  const q: AnomalyQuery = {
    fromMs,
    toMs,
    stepMs: parseStep(url, fromMs, toMs),
    limit: parseLimit(url),
    destination: optionalName(url, 'destination'),
    consumerGroup: optionalName(url, 'group'),
  };
  const [duplicates, ordering] = await Promise.all([
    types.includes('duplicate') ? findDuplicates(store, q) : undefined,
    types.includes('ordering') ? findOrderingInversions(store, q) : undefined,
  ]);
  return ok({
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    stepMs: q.stepMs,
    types,
    ...(duplicates ? { duplicates } : {}),
    ...(ordering ? { ordering } : {}),
  });
};
