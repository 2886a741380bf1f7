// GET /api/topology?from&to&groupBy=destination|messageType&lag=true|false — the flow map (DESIGN §6, §7);
// env, namespace: one environment / namespace of the resources, exact (issue 12).
import { topology, type TopologyResult } from '../analysis/topology.js';
import { depsOf, ok, type ApiDeps, type Handler } from './http.js';
import { boolParam, enumParam, rejectUnknown } from './params.js';
import { parseTimeRange, type TimeRange } from './time.js';
import { ENV_PARAMS, parseEnvFilter } from './env.js';
import type { EnvFilter } from '../hops/env.js';

export const GROUP_BY = ['destination', 'messageType'] as const;
const PARAMS = ['from', 'to', 'groupBy', 'lag', ...ENV_PARAMS];

export interface TopologyInput extends TimeRange, EnvFilter {
  groupBy: (typeof GROUP_BY)[number];
  lag: boolean;
}

export function parseTopologyInput(url: URL, now: Date): TopologyInput {
  rejectUnknown(url, PARAMS);
  return {
    ...parseTimeRange(url, now, 'now-1h'),
    groupBy: enumParam(url, 'groupBy', GROUP_BY, 'destination'),
    lag: boolParam(url, 'lag', true),
    ...parseEnvFilter(url),
  };
}

/** The flow map of a validated input (the dashboard calls this directly). */
export function getTopology({ store, now, config }: ApiDeps, input: TopologyInput): Promise<TopologyResult> {
  const { lag, ...query } = input;
  return topology(store, query, { nowMs: now.getTime(), lag, deadLetterPatterns: config.deadLetterPatterns });
}

export const handler: Handler = async (ctx) => ok(await getTopology(depsOf(ctx), parseTopologyInput(ctx.url, ctx.now)));
