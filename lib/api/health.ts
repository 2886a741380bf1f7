// GET /api/health: is the store answering, which mode, which ClickHouse, how many spans stored,
// and where OTLP is received.
import { ok, type Handler } from './http.js';
import { getListeners } from '../runtime.js';

export const handler: Handler = async ({ store, now }) => {
  const [version, [count], [pairing]] = await Promise.all([
    store.version(),
    store.query<{ spans: string }>(`SELECT count() AS spans FROM ${store.database}.spans`, { name: 'health' }),
    store.query<{ w: string; n: string }>(
      `SELECT toString(argMax(watermark_ms, updated_ms)) AS w, count() AS n FROM ${store.database}.pairing_state WHERE name = 'hops'`,
      { name: 'health:pairing' },
    ),
  ]);
  const watermarkMs = pairing && Number(pairing.n) > 0 ? Number(pairing.w) : null;
  return ok({
    status: 'ok',
    // insertFormat: how spans reach the engine (RowBinary, or JSONEachRow when a server refused it)
    store: { mode: store.mode, database: store.database, clickhouseVersion: version, insertFormat: store.insertFormat },
    spansStored: Number(count?.spans ?? 0),
    // the pairing pass (lib/hops/pairing.ts): every messaging span committed before the watermark
    // is paired and reflected in the flow map; behindMs is how far it trails the clock
    pairing: {
      watermark: watermarkMs === null ? null : new Date(watermarkMs).toISOString(),
      behindMs: watermarkMs === null ? null : Math.max(0, now.getTime() - watermarkMs),
    },
    // where this process receives OTLP (absent when the dashboard runs without a collector)
    otlp: getListeners() ?? null,
  });
};
