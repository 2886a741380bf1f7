// GET /api/pathways: the paths message chains take, with p50/p95 from the chain's first publish
// to each consumer's completion (lib/analysis/pathways.ts).
// Parameters: from, to (default the last hour), origin (a publishing service), destination,
// limit (1–500, default 100), env, namespace.
import { pathways, type PathwayQuery, type PathwaysResult } from '../analysis/pathways.js';
import { depsOf, ok, type ApiDeps, type Handler } from './http.js';
import { ENV_PARAMS, parseEnvFilter } from './env.js';
import { intParam, rejectUnknown, textParam } from './params.js';
import { parseTimeRange } from './time.js';

const PARAMS = ['from', 'to', 'origin', 'destination', 'limit', ...ENV_PARAMS];

export function parsePathwaysInput(url: URL, now: Date): PathwayQuery {
  rejectUnknown(url, PARAMS);
  const { fromMs, toMs } = parseTimeRange(url, now, 'now-1h');
  return {
    fromMs,
    toMs,
    origin: textParam(url, 'origin'),
    destination: textParam(url, 'destination'),
    limit: intParam(url, 'limit', 100, 1, 500),
    ...parseEnvFilter(url),
  };
}

export function getPathways({ store }: ApiDeps, q: PathwayQuery): Promise<PathwaysResult> {
  return pathways(store, q);
}

export const handler: Handler = async (ctx) => ok(await getPathways(depsOf(ctx), parsePathwaysInput(ctx.url, ctx.now)));
