// GET /api/transactions/{key}/{value}?from&to — one business transaction (DESIGN §6, §7; issue 13):
// every span of every trace that touched key=value, its steps in order and where the trace context broke.
import { transaction, TRANSACTION_DEFAULTS, type Transaction, type TransactionQuery } from '../analysis/transactions.js';
import { MAX_BUSINESS_VALUE } from '../store/business-keys.js';
import { ApiError, depsOf, ok, type ApiDeps, type Handler } from './http.js';
import { rejectUnknown, shown } from './params.js';
import { parseTimeRange } from './time.js';

const PARAMS = ['from', 'to'];

/** The path's key and value: a configured business key and a non-empty value without control characters. */
export function parseTransactionInput(url: URL, params: Record<string, string>, now: Date, businessKeys: readonly string[]): TransactionQuery {
  rejectUnknown(url, PARAMS);
  const key = params.key ?? '';
  const value = params.value ?? '';
  if (!businessKeys.includes(key)) {
    throw new ApiError(`key: expected a business key (${businessKeys.join(', ')}; EVENTSCOPE_BUSINESS_KEYS adds more), got ${shown(key)}`);
  }
  // eslint-disable-next-line no-control-regex
  if (value === '' || value.length > MAX_BUSINESS_VALUE || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new ApiError(`value: expected 1 to ${MAX_BUSINESS_VALUE} characters without control characters, got ${shown(value)}`);
  }
  return { key, value, ...parseTimeRange(url, now, 'now-7d'), maxTraces: TRANSACTION_DEFAULTS.maxTraces };
}

/** One transaction; a 404 ApiError when no span in the range carries key=value (the dashboard calls this directly). */
export async function getTransaction({ store }: ApiDeps, q: TransactionQuery): Promise<Transaction> {
  const t = await transaction(store, q);
  if (!t) throw new ApiError(`no span carries ${q.key}=${q.value} in this time range`, 404);
  return t;
}

export const handler: Handler = async (ctx) => {
  const deps = depsOf(ctx);
  return ok(await getTransaction(deps, parseTransactionInput(ctx.url, ctx.params, ctx.now, deps.config.businessKeys)));
};
