// GET /api/lag: consumer lag per destination × consumer group (× partition) — series, current
// values and a Burrow-style status (lib/analysis/lag.ts).
// Parameters: from, to (default the last 15 minutes), step (e.g. 10s, 1m, or ms; default ≈ 60 points),
// destination, group.
import { consumerLag } from '../analysis/lag.js';
import { ApiError, ok, type Handler } from './http.js';
import { MAX_RANGE_MS, parseTimeRange } from './time.js';
import { rejectUnknown, shown, single, textParam } from './params.js';

export const MIN_STEP_MS = 1_000;
export const MAX_STEP_MS = MAX_RANGE_MS;
export const MAX_POINTS = 1_440;
const NICE_STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);
const STEP_UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `step` as `<n>ms|s|m|h|d` or plain milliseconds, from 1s to 31d (the longest range; a larger
 * step once reached the engine as an integer beyond 2^53, a 500); default: the smallest nice step
 * giving ≤ 60 points.
 */
export function parseStep(url: URL, fromMs: number, toMs: number): number {
  const raw = single(url, 'step');
  const rangeMs = toMs - fromMs;
  if (raw === null || raw.trim() === '') {
    return NICE_STEPS_MS.find((s) => rangeMs / s <= 60) ?? NICE_STEPS_MS[NICE_STEPS_MS.length - 1]!;
  }
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m) throw new ApiError(`step: expected a duration like 10s, 1m, 1h or milliseconds, got ${shown(raw)}`);
  const stepMs = Number(m[1]) * STEP_UNIT_MS[m[2] ?? 'ms']!;
  if (stepMs < MIN_STEP_MS) throw new ApiError(`step must be at least 1s, got ${shown(raw)}`);
  if (!(stepMs <= MAX_STEP_MS)) throw new ApiError(`step must be at most 31d, got ${shown(raw)}`);
  const points = Math.ceil(rangeMs / stepMs);
  if (points > MAX_POINTS) {
    throw new ApiError(`step ${raw} is too small for the range: ${points} points, at most ${MAX_POINTS}; use a step of at least ${Math.ceil(rangeMs / MAX_POINTS / 1000)}s`);
  }
  return stepMs;
}

const PARAMS = ['from', 'to', 'step', 'destination', 'group'];

export const handler: Handler = async ({ store, url, now }) => {
  rejectUnknown(url, PARAMS);
  const { fromMs, toMs } = parseTimeRange(url, now);
  const stepMs = parseStep(url, fromMs, toMs);
  const result = await consumerLag(store, {
    fromMs,
    toMs,
    stepMs,
    nowMs: now.getTime(),
    destination: textParam(url, 'destination'),
    consumerGroup: textParam(url, 'group'),
  });
  return ok(result);
};
