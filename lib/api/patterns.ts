// GET /api/patterns?from&to&env&namespace — the patterns of event-driven design observed in the
// range (lib/analysis/patterns.ts): event or command per message type, call-back or carried state
// per consumer, orchestrated or choreographed per flow, request/reply over queues, each with its
// evidence and a one-line explanation.
import { patterns, type PatternsQuery, type PatternsResult } from '../analysis/patterns-query.js';
import { depsOf, ok, type ApiDeps, type Handler } from './http.js';
import { ENV_PARAMS, parseEnvFilter } from './env.js';
import { rejectUnknown } from './params.js';
import { parseTimeRange } from './time.js';

export const PATTERNS_PARAMS = ['from', 'to', ...ENV_PARAMS];

export type PatternsInput = PatternsQuery;

export function parsePatternsInput(url: URL, now: Date): PatternsInput {
  rejectUnknown(url, PATTERNS_PARAMS);
  return { ...parseTimeRange(url, now, 'now-1h'), ...parseEnvFilter(url) };
}

export function getPatterns({ store }: ApiDeps, input: PatternsInput): Promise<PatternsResult> {
  return patterns(store, input);
}

export const handler: Handler = async (ctx) => ok(await getPatterns(depsOf(ctx), parsePatternsInput(ctx.url, ctx.now)));
