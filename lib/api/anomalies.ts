// GET /api/anomalies: duplicate deliveries and ordering inversions (lib/analysis/anomalies.ts).
// Parameters: type = duplicate | ordering (omitted: both), from, to (default the last 15 minutes),
// step (bucket width of the count series; default ≈ 60 buckets), destination, group,
// limit (occurrences per type, 1–1000, default 100; counts always cover everything), env, namespace
// (the consumer's, exact).
import {
  ANOMALY_TYPES, findDuplicates, findOrderingInversions, type AnomalyQuery, type AnomalyType, type DuplicateResult, type OrderingResult,
} from '../analysis/anomalies.js';
import { depsOf, ok, type ApiDeps, type Handler } from './http.js';
import { parseStep } from './lag.js';
import { enumParam, intParam, rejectUnknown, textParam } from './params.js';
import { parseTimeRange } from './time.js';
import { ENV_PARAMS, parseEnvFilter } from './env.js';

const PARAMS = ['type', 'from', 'to', 'step', 'destination', 'group', 'limit', ...ENV_PARAMS];

export interface AnomaliesInput extends AnomalyQuery {
  types: AnomalyType[];
}

export interface AnomaliesResult {
  from: string;
  to: string;
  stepMs: number;
  types: AnomalyType[];
  duplicates?: DuplicateResult;
  ordering?: OrderingResult;
}

export function parseAnomaliesInput(url: URL, now: Date): AnomaliesInput {
  rejectUnknown(url, PARAMS);
  const type = enumParam(url, 'type', ANOMALY_TYPES);
  const { fromMs, toMs } = parseTimeRange(url, now);
  return {
    types: type ? [type] : [...ANOMALY_TYPES],
    fromMs,
    toMs,
    stepMs: parseStep(url, fromMs, toMs),
    limit: intParam(url, 'limit', 100, 1, 1000),
    destination: textParam(url, 'destination'),
    consumerGroup: textParam(url, 'group'),
    ...parseEnvFilter(url),
  };
}

/** Duplicates and ordering inversions of a validated input (the dashboard calls this directly). */
export async function getAnomalies({ store }: ApiDeps, { types, ...q }: AnomaliesInput): Promise<AnomaliesResult> {
  const [duplicates, ordering] = await Promise.all([
    types.includes('duplicate') ? findDuplicates(store, q) : undefined,
    types.includes('ordering') ? findOrderingInversions(store, q) : undefined,
  ]);
  return {
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    stepMs: q.stepMs,
    types,
    ...(duplicates ? { duplicates } : {}),
    ...(ordering ? { ordering } : {}),
  };
}

export const handler: Handler = async (ctx) => ok(await getAnomalies(depsOf(ctx), parseAnomaliesInput(ctx.url, ctx.now)));
