// GET /api/health: is the store answering, which mode, which ClickHouse, how many spans stored,
// and where OTLP is received.
import { ok, type Handler } from './http.js';
import { getListeners } from '../runtime.js';

export const handler: Handler = async ({ store }) => {
  const [version, [count]] = await Promise.all([
    store.version(),
    store.query<{ spans: string }>(`SELECT count() AS spans FROM ${store.database}.spans`, { name: 'health' }),
  ]);
  return ok({
    status: 'ok',
    store: { mode: store.mode, database: store.database, clickhouseVersion: version },
    spansStored: Number(count?.spans ?? 0),
    // where this process receives OTLP (absent when the dashboard runs without a collector)
    otlp: getListeners() ?? null,
  });
};
