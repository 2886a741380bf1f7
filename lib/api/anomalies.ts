// GET /api/anomalies: duplicate deliveries and ordering inversions (lib/analysis/anomalies.ts).
// Parameters: type = duplicate | ordering (omitted: both), from, to (default the last 15 minutes),
// step (bucket width of the count series; default ≈ 60 buckets), destination, group,
// limit (occurrences per type, 1–1000, default 100; counts always cover everything).
import { ANOMALY_TYPES, findDuplicates, findOrderingInversions, type AnomalyQuery, type AnomalyType } from '../analysis/anomalies.js';
import { ok, type Handler } from './http.js';
import { parseStep } from './lag.js';
import { enumParam, intParam, rejectUnknown, textParam } from './params.js';
import { parseTimeRange } from './time.js';

const PARAMS = ['type', 'from', 'to', 'step', 'destination', 'group', 'limit'];

export const handler: Handler = async ({ store, url, now }) => {
  rejectUnknown(url, PARAMS);
  const type = enumParam(url, 'type', ANOMALY_TYPES);
  const types: AnomalyType[] = type ? [type] : [...ANOMALY_TYPES];
  const { fromMs, toMs } = parseTimeRange(url, now);
  const q: AnomalyQuery = {
    fromMs,
    toMs,
    stepMs: parseStep(url, fromMs, toMs),
    limit: intParam(url, 'limit', 100, 1, 1000),
    destination: textParam(url, 'destination'),
    consumerGroup: textParam(url, 'group'),
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
