// GET /api/lag: consumer lag per destination × consumer group (× partition) — series, current
// values and a Burrow-style status (lib/analysis/lag.ts), with the broker's own figures beside them
// where broker metrics arrive over OTLP (lib/analysis/broker-lag.ts).
// Parameters: from, to (default the last 15 minutes), step (e.g. 10s, 1m, or ms; default ≈ 60 points),
// destination, group, partition (one partition only), env, namespace (the consumer group's, exact).
import { ENV_PARAMS, parseEnvFilter } from './env.js';
import type { EnvFilter } from '../hops/env.js';
import { consumerLag } from '../analysis/lag.js';
import { brokerLag, withBrokerLag, type LagResultWithBroker } from '../analysis/broker-lag.js';
import { ApiError, depsOf, ok, type ApiDeps, type Handler } from './http.js';
import { MAX_RANGE_MS, parseTimeRange, type TimeRange } from './time.js';
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
  if (raw === null || raw.trim() === '') return defaultStep(fromMs, toMs);
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

/** The smallest nice step giving at most 60 points over the range. */
export function defaultStep(fromMs: number, toMs: number): number {
  const rangeMs = toMs - fromMs;
  return NICE_STEPS_MS.find((s) => rangeMs / s <= 60) ?? NICE_STEPS_MS[NICE_STEPS_MS.length - 1]!;
}

const PARAMS = ['from', 'to', 'step', 'destination', 'group', 'partition', ...ENV_PARAMS];

export interface LagInput extends TimeRange, EnvFilter {
  stepMs: number;
  destination?: string;
  consumerGroup?: string;
  partition?: string;
}

export function parseLagInput(url: URL, now: Date): LagInput {
  rejectUnknown(url, PARAMS);
  const { fromMs, toMs } = parseTimeRange(url, now);
  return {
    fromMs,
    toMs,
    stepMs: parseStep(url, fromMs, toMs),
    destination: textParam(url, 'destination'),
    consumerGroup: textParam(url, 'group'),
    partition: textParam(url, 'partition'),
    ...parseEnvFilter(url),
  };
}

/** Consumer lag of a validated input (the dashboard calls this directly). */
export async function getLag({ store, now }: ApiDeps, input: LagInput): Promise<LagResultWithBroker> {
  const [traces, broker] = await Promise.all([
    consumerLag(store, { ...input, nowMs: now.getTime() }),
    brokerLag(store, { fromMs: input.fromMs, toMs: input.toMs, destination: input.destination, consumerGroup: input.consumerGroup }),
  ]);
  return withBrokerLag(traces, broker);
}

export const handler: Handler = async (ctx) => ok(await getLag(depsOf(ctx), parseLagInput(ctx.url, ctx.now)));
