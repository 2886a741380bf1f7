// GET /api/throughput: messages published per destination and delivered per consumer group over
// time (lib/analysis/throughput.ts), from the per-minute hop state.
// Parameters: from, to (default the last hour), step (whole minutes, e.g. 1m, 5m; default ≈ 60
// points), destination, group, env, namespace.
import { throughput, type ThroughputQuery, type ThroughputResult } from '../analysis/throughput.js';
import { ApiError, depsOf, ok, type ApiDeps, type Handler } from './http.js';
import { parseStep } from './lag.js';
import { ENV_PARAMS, parseEnvFilter } from './env.js';
import { rejectUnknown, shown, single, textParam } from './params.js';
import { parseTimeRange } from './time.js';

const PARAMS = ['from', 'to', 'step', 'destination', 'group', ...ENV_PARAMS];

export function parseThroughputInput(url: URL, now: Date): ThroughputQuery {
  rejectUnknown(url, PARAMS);
  const { fromMs, toMs } = parseTimeRange(url, now, 'now-1h');
  let stepMs = parseStep(url, fromMs, toMs);
  if (stepMs % 60_000 !== 0) {
    // the per-minute state cannot be cut finer than a minute
    if (single(url, 'step') !== null && single(url, 'step')!.trim() !== '') {
      throw new ApiError(`step: expected whole minutes (the throughput state is per minute), got ${shown(single(url, 'step')!)}`);
    }
    stepMs = Math.ceil(stepMs / 60_000) * 60_000;
  }
  return { fromMs, toMs, stepMs, destination: textParam(url, 'destination'), consumerGroup: textParam(url, 'group'), ...parseEnvFilter(url) };
}

export function getThroughput({ store }: ApiDeps, q: ThroughputQuery): Promise<ThroughputResult> {
  return throughput(store, q);
}

export const handler: Handler = async (ctx) => ok(await getThroughput(depsOf(ctx), parseThroughputInput(ctx.url, ctx.now)));
