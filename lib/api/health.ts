// GET /api/health: is the store answering, which mode, which ClickHouse, how many spans stored,
// where OTLP is received — and whether Eventscope is keeping up: `status` is 'ok', 'degraded' (with
// a `reason` a user can act on; still HTTP 200, the dashboard and the API work) or 'down' (HTTP 503:
// the store does not answer at all).
import { depsOf, type ApiDeps, type Handler } from './http.js';
import { getListeners } from '../runtime.js';
import { currentStatus, type CollectorStatus, type WriteFailure } from '../status.js';

export type HealthStatus = 'ok' | 'degraded' | 'down';

/** What the assessment looks at; every field is what the handler read, nothing is fetched here. */
export interface HealthInputs {
  nowMs: number;
  /** a query of the store failed although it answers (first line of the error) */
  queryError?: string;
  writeFailure?: WriteFailure;
  collector?: CollectorStatus;
  /** the pairing pass's saved watermark (epoch ms), null before its first pass */
  pairingWatermarkMs: number | null;
  /** how far behind the clock the watermark may trail before it counts as falling behind */
  pairingBehindLimitMs: number;
  retentionProblem?: string;
}

/** The ingest queue counts as near full from this share of its span or byte budget. */
export const QUEUE_NEAR_FULL = 0.9;

const minutes = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)} seconds` : `${Math.round(ms / 60_000)} minutes`);
const clip = (s: string) => (s.length > 240 ? s.slice(0, 239) + '…' : s);
const since = (nowMs: number, atMs: number) => `${minutes(Math.max(0, nowMs - atMs))} ago`;

/**
 * Degraded or ok, and why, most pressing reason first (pure: the handler gathers the inputs).
 * A failed span write stays a reason until a later write commits: exporters retry, so a store that
 * recovers is ok again with the next batch.
 */
export function assessHealth(i: HealthInputs): { status: 'ok' | 'degraded'; reason: string | null; reasons: string[] } {
  const reasons: string[] = [];
  const w = i.writeFailure;
  if (w?.diskFull) {
    reasons.push(
      `The store's disk is full: new spans are refused with a retryable 503 until space is freed (last refused ${since(i.nowMs, w.atMs)}: ${clip(w.message)}).`,
    );
  } else if (w) {
    reasons.push(`Spans cannot be written to the store: exporters are told to retry (last failure ${since(i.nowMs, w.atMs)}: ${clip(w.message)}).`);
  }
  if (i.queryError) reasons.push(`The store answers but its queries fail, so views may be empty or wrong (${clip(i.queryError)}).`);
  if (i.collector?.pairingError) {
    reasons.push(`The pairing pass fails, so the flow map, lag and anomalies stop updating (${clip(i.collector.pairingError)}).`);
  } else if (i.pairingWatermarkMs !== null && i.nowMs - i.pairingWatermarkMs > i.pairingBehindLimitMs) {
    reasons.push(
      `The pairing pass is ${minutes(i.nowMs - i.pairingWatermarkMs)} behind: the flow map, lag and anomalies show messages only up to ${new Date(i.pairingWatermarkMs).toISOString()}.`,
    );
  }
  const c = i.collector;
  if (c) {
    const share = Math.max(c.queuedSpans / c.maxQueueSpans, c.queuedBytes / c.maxQueueBytes);
    if (share >= QUEUE_NEAR_FULL) {
      reasons.push(`The ingest queue is ${Math.round(share * 100)}% full: the store is not keeping up and exporters will soon be told to retry later (429).`);
    }
  }
  if (i.retentionProblem) reasons.push(i.retentionProblem);
  return { status: reasons.length > 0 ? 'degraded' : 'ok', reason: reasons[0] ?? null, reasons };
}

const firstLine = (err: unknown) => ((err as Error)?.message ?? String(err)).split('\n')[0]!.trim();

/** What /api/health answers; `status: 'down'` (the store does not answer) is served as HTTP 503. */
export interface HealthReport {
  status: HealthStatus;
  reason: string | null;
  reasons: string[];
  store: { mode: string; database: string; clickhouseVersion?: string; insertFormat?: string };
  spansStored?: number | null;
  pairing?: { watermark: string | null; behindMs: number | null };
  otlp?: ReturnType<typeof getListeners> | null;
}

/** The health report (the dashboard's header badge calls this directly). */
export async function getHealth({ store, now, config }: ApiDeps): Promise<HealthReport> {
  const storeInfo = { mode: store.mode, database: store.database };
  let version: string;
  try {
    version = await store.version();
  } catch (err) {
    // the one case that is not 200: monitors and load balancers can act on it
    return { status: 'down', reason: `The store does not answer: ${clip(firstLine(err))}`, reasons: [], store: storeInfo };
  }
  let spansStored: number | null = null;
  let watermarkMs: number | null = null;
  let queryError: string | undefined;
  try {
    const [[count], [pairing]] = await Promise.all([
      store.query<{ spans: string }>(`SELECT count() AS spans FROM ${store.database}.spans`, { name: 'health' }),
      store.query<{ w: string; n: string }>(
        `SELECT toString(argMax(watermark_ms, updated_ms)) AS w, count() AS n FROM ${store.database}.pairing_state WHERE name = 'hops'`,
        { name: 'health:pairing' },
      ),
    ]);
    spansStored = Number(count?.spans ?? 0);
    watermarkMs = pairing && Number(pairing.n) > 0 ? Number(pairing.w) : null;
  } catch (err) {
    queryError = firstLine(err);
  }
  const local = currentStatus();
  const assessed = assessHealth({
    nowMs: now.getTime(),
    queryError,
    writeFailure: local.writeFailure,
    collector: local.collector,
    pairingWatermarkMs: watermarkMs,
    // passes run every second; under load they space out to a few seconds, and in server mode
    // they stay the settle time behind the clock
    pairingBehindLimitMs: Math.max(120_000, 30 * config.pairing.intervalMs + config.pairing.settleMs),
    retentionProblem: local.retentionProblem,
  });
  return {
    status: assessed.status,
    // one sentence for the header badge; null when ok (every reason is in `reasons`)
    reason: assessed.reason,
    reasons: assessed.reasons,
    // insertFormat: how spans reach the engine (Native, else RowBinary, else JSONEachRow: start probes)
    store: { ...storeInfo, clickhouseVersion: version, insertFormat: store.insertFormat },
    // null when the store's queries fail (then `reason` says so)
    spansStored,
    // the pairing pass (lib/hops/pairing.ts): every messaging span committed before the watermark
    // is paired and reflected in the flow map; behindMs is how far it trails the clock
    pairing: {
      watermark: watermarkMs === null ? null : new Date(watermarkMs).toISOString(),
      behindMs: watermarkMs === null ? null : Math.max(0, now.getTime() - watermarkMs),
    },
    // where this process receives OTLP (absent when the dashboard runs without a collector)
    otlp: getListeners() ?? null,
  };
}

export const handler: Handler = async (ctx) => {
  const report = await getHealth(depsOf(ctx));
  return { status: report.status === 'down' ? 503 : 200, body: report };
};
