// URL state of the dashboard: the time range and filters live in the query string so every view
// can be shared as a link. Pure helpers used by server pages and client widgets alike.

export const RANGES = ['15m', '1h', '6h', '24h'] as const;
export type RangeKey = (typeof RANGES)[number];
export const DEFAULT_RANGE: RangeKey = '15m';

const RANGE_MS: Record<RangeKey, number> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
};

export const RANGE_LABEL: Record<RangeKey, string> = {
  '15m': 'Last 15 minutes',
  '1h': 'Last hour',
  '6h': 'Last 6 hours',
  '24h': 'Last 24 hours',
};

/** Next.js `searchParams` after awaiting: values may be arrays when a key repeats. */
export type SearchParams = Record<string, string | string[] | undefined>;

export function firstParam(sp: SearchParams, key: string): string | undefined {
  const v = sp[key];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

export function parseRange(sp: SearchParams): RangeKey {
  const r = firstParam(sp, 'range');
  return (RANGES as readonly string[]).includes(r ?? '') ? (r as RangeKey) : DEFAULT_RANGE;
}

export function rangeMs(range: RangeKey): number {
  return RANGE_MS[range];
}

/** The API's from/to for a range: relative, so the server resolves them against its clock. */
export function rangeToApi(range: RangeKey): { from: string; to: string } {
  return { from: `now-${range}`, to: 'now' };
}

/** Step for time series so a chart has ~30–60 points. */
export function stepForRange(range: RangeKey): string {
  return { '15m': '30s', '1h': '1m', '6h': '10m', '24h': '30m' }[range];
}

/**
 * Builds `pathname?query` from the current params with overrides applied; `undefined`/'' removes
 * a key. Keys keep a stable order (sorted) so equal states give equal links.
 */
export function hrefWith(pathname: string, current: SearchParams, overrides: Record<string, string | undefined> = {}): string {
  const merged = new Map<string, string>();
  for (const [k, v] of Object.entries(current)) {
    const s = Array.isArray(v) ? v[0] : v;
    if (s !== undefined && s !== '') merged.set(k, s);
  }
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined || v === '') merged.delete(k);
    else merged.set(k, v);
  }
  const qs = new URLSearchParams([...merged.entries()].sort(([a], [b]) => a.localeCompare(b))).toString();
  return qs ? `${pathname}?${qs}` : pathname;
}

/** Query string for an API call: the range plus the given filters (empty values dropped). */
export function apiQuery(range: RangeKey, filters: Record<string, string | number | boolean | undefined> = {}): string {
  const q = new URLSearchParams(rangeToApi(range));
  for (const [k, v] of Object.entries(filters)) {
    if (v === undefined || v === '' || v === false) continue;
    q.set(k, String(v));
  }
  return q.toString();
}

/** Links between views (filters the target pages understand). */
export const links = {
  requests: (range: RangeKey, f: { service?: string; destination?: string; messageId?: string; attribute?: string; errorOnly?: boolean } = {}) =>
    hrefWith('/requests', {}, { range, service: f.service, destination: f.destination, messageId: f.messageId, attribute: f.attribute, errorOnly: f.errorOnly ? 'true' : undefined }),
  request: (traceId: string, spanId?: string) => `/requests/${encodeURIComponent(traceId)}${spanId ? `?span=${encodeURIComponent(spanId)}` : ''}`,
  lag: (range: RangeKey, f: { destination?: string; group?: string } = {}) => hrefWith('/lag', {}, { range, destination: f.destination, group: f.group }),
  anomalies: (range: RangeKey, f: { destination?: string; group?: string; type?: string } = {}) =>
    hrefWith('/anomalies', {}, { range, destination: f.destination, group: f.group, type: f.type }),
};
