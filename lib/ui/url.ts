// URL state of the dashboard: the time range, live refresh, filters, sorts and selections live in
// the query string so a reload or a shared link shows the same screen. Pure helpers used by server
// pages and client widgets alike; times follow the API's own grammar (lib/api/time.ts).
import { ApiError } from '../api/errors.js';
import { MAX_RANGE_MS, parseTime } from '../api/time.js';

/** Next.js `searchParams` after awaiting: values may be arrays when a key repeats. */
export type SearchParams = Record<string, string | string[] | undefined>;

export function firstParam(sp: SearchParams, key: string): string | undefined {
  const v = sp[key];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

// ---------------------------------------------------------------------------------------------
// Time range

export const DEFAULT_FROM = 'now-15m';

/** The quick choices of the range picker (any other `now-<n><unit>` works as well). */
export const PRESETS = ['now-5m', 'now-15m', 'now-1h', 'now-6h', 'now-24h', 'now-7d'] as const;

/** `from`/`to` as the URL (and the API) names them. */
export interface TimeParams {
  from: string;
  to: string;
}

export interface TimeSelection extends TimeParams {
  /** both ends relative to now: the window moves with the clock (live by default) */
  relative: boolean;
  /** what was wrong with the URL's time and which range is shown instead */
  notice?: string;
}

const UNIT_WORD: Record<string, [string, string]> = {
  s: ['second', 'seconds'],
  m: ['minute', 'minutes'],
  h: ['hour', 'hours'],
  d: ['day', 'days'],
  w: ['week', 'weeks'],
};
const RELATIVE = /^now(?:-(\d+)([smhdw]))?$/;

export const isRelative = (t: string): boolean => RELATIVE.test(t.trim());

/** "the last 15 minutes" for now-15m … now; undefined for anything else. */
function lastWords(from: string, to: string): string | undefined {
  const m = RELATIVE.exec(from.trim());
  if (!m || !m[1] || to.trim() !== 'now') return undefined;
  const n = Number(m[1]);
  const [one, many] = UNIT_WORD[m[2]!]!;
  return n === 1 ? `the last ${one}` : `the last ${n} ${many}`;
}

/** The short form of a preset for its button: now-15m → 15m. */
export const presetShort = (from: string): string => from.replace(/^now-/, '');

function checkRange(t: TimeParams, now: Date): { fromMs: number; toMs: number } {
  const fromMs = parseTime(t.from, 'from', now);
  const toMs = parseTime(t.to, 'to', now);
  if (fromMs >= toMs) throw new ApiError('from must be before to');
  if (toMs - fromMs > MAX_RANGE_MS) throw new ApiError('the time range may span at most 31 days');
  return { fromMs, toMs };
}

/**
 * The time range a page shows, from `from`/`to` (ISO 8601, epoch ms or now-<n><s|m|h|d|w>, as the
 * API takes them) or an old `range=15m` link. A value that is not a valid range is never silently
 * dropped: the selection carries a notice naming the problem and the range shown instead.
 */
export function parseTimeSelection(sp: SearchParams, now: Date, defaultFrom = DEFAULT_FROM): TimeSelection {
  const fallback = (problem: string): TimeSelection => ({
    from: defaultFrom,
    to: 'now',
    relative: true,
    notice: `${problem}; showing ${lastWords(defaultFrom, 'now') ?? defaultFrom} instead.`,
  });
  const repeated = ['from', 'to', 'range'].filter((k) => Array.isArray(sp[k]) && (sp[k] as string[]).length > 1);
  if (repeated.length) return fallback(`The link gives ${repeated.join(' and ')} more than once`);
  let from = firstParam(sp, 'from');
  let to = firstParam(sp, 'to');
  const range = firstParam(sp, 'range');
  if (range !== undefined && from === undefined && to === undefined) {
    // links from before from/to: range=15m means the last 15 minutes
    if (!/^\d+[smhdw]$/.test(range.trim())) return fallback(`The range ${JSON.stringify(range.slice(0, 80))} is not a duration like 15m, 6h or 7d`);
    from = `now-${range.trim()}`;
  }
  const t = { from: (from ?? defaultFrom).trim(), to: (to ?? 'now').trim() };
  try {
    checkRange(t, now);
  } catch (err) {
    if (err instanceof ApiError) return fallback(`The link's time range is not valid (${err.message})`);
    throw err;
  }
  return { ...t, relative: isRelative(t.from) && isRelative(t.to) };
}

/** The window in epoch ms the selection names at `now` (relative ends resolve against it). */
export function resolveWindow(t: TimeParams, now: Date): { fromMs: number; toMs: number } {
  return checkRange(t, now);
}

const pad = (n: number) => String(n).padStart(2, '0');
/** 2026-12-01 19:37:05 UTC (seconds dropped when zero). */
export function formatUtc(ms: number): string {
  const d = new Date(ms);
  const s = d.getUTCSeconds() ? `:${pad(d.getUTCSeconds())}` : '';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${s}`;
}

/** How a page names its range in words: "the last 15 minutes", or "2026-12-01 10:00 – 11:00 UTC". */
export function describeRange(t: TimeParams, window: { fromMs: number; toMs: number }): string {
  const words = lastWords(t.from, t.to);
  if (words) return words;
  const a = formatUtc(window.fromMs);
  const b = formatUtc(window.toMs);
  const sameDay = a.slice(0, 10) === b.slice(0, 10);
  return `${a} – ${sameDay ? b.slice(11) : b} UTC`;
}

/** The URL parameters of a time selection: `to` left out when it is now, so links stay short. */
export function timeQuery(t: TimeParams): Record<string, string | undefined> {
  return { from: t.from, to: t.to === 'now' ? undefined : t.to, range: undefined };
}

/** The same window as absolute ISO times: "link to this moment". */
export function absoluteQuery(window: { fromMs: number; toMs: number }): Record<string, string | undefined> {
  return { from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString(), range: undefined, live: undefined };
}

// ---------------------------------------------------------------------------------------------
// Live refresh, sorting, unknown parameters

/** Live is on by default for a relative range (it moves with the clock), off for an absolute one. */
export function parseLive(sp: SearchParams, t: TimeSelection): { live: boolean; notice?: string } {
  const raw = firstParam(sp, 'live');
  if (raw === undefined) return { live: t.relative };
  if (raw === 'on' || raw === 'off') return { live: raw === 'on' };
  return { live: t.relative, notice: `live=${JSON.stringify(raw.slice(0, 40))} is neither on nor off; live refresh is ${t.relative ? 'on' : 'off'}.` };
}

export interface Sort<C extends string> {
  column: C;
  desc: boolean;
}

/** `sort=<column>` (ascending) or `sort=-<column>` (descending); anything else falls back, with a notice. */
export function parseSort<C extends string>(sp: SearchParams, columns: readonly C[], def: Sort<C>): { sort: Sort<C>; notice?: string } {
  const raw = firstParam(sp, 'sort');
  if (raw === undefined) return { sort: def };
  const desc = raw.startsWith('-');
  const column = (desc ? raw.slice(1) : raw) as C;
  if (columns.includes(column)) return { sort: { column, desc } };
  return {
    sort: def,
    notice: `sort=${JSON.stringify(raw.slice(0, 40))} is not a column of this table (${columns.join(', ')}); sorted by ${def.column} instead.`,
  };
}

export const sortParam = <C extends string>(s: Sort<C>): string => `${s.desc ? '-' : ''}${s.column}`;

/** Every page understands these; pages add their own. */
export const COMMON_PARAMS = ['from', 'to', 'range', 'live', 'env', 'namespace'] as const;

/** URL parameters this page does not understand: shown to the user as ignored, not silently dropped. */
export function unknownParams(sp: SearchParams, known: readonly string[]): string[] {
  return Object.keys(sp)
    .filter((k) => !known.includes(k) && !(COMMON_PARAMS as readonly string[]).includes(k))
    .sort();
}

export function unknownNotice(unknown: string[], known: readonly string[]): string | undefined {
  if (unknown.length === 0) return undefined;
  const names = unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ');
  const all = [...COMMON_PARAMS, ...known].join(', ');
  return `Ignored ${unknown.length === 1 ? 'an unknown URL parameter' : 'unknown URL parameters'}: ${names} (this page understands ${all}).`;
}

/** Everything a page reads from its URL besides its own filters, with the notices to show. */
export interface PageUrl {
  time: TimeSelection;
  window: { fromMs: number; toMs: number };
  live: boolean;
  notices: string[];
}

export function readPageUrl(sp: SearchParams, known: readonly string[], now: Date, defaultFrom = DEFAULT_FROM): PageUrl {
  const time = parseTimeSelection(sp, now, defaultFrom);
  const live = parseLive(sp, time);
  const notices = [time.notice, live.notice, unknownNotice(unknownParams(sp, known), known)].filter((n): n is string => !!n);
  return { time, window: resolveWindow(time, now), live: live.live, notices };
}

// ---------------------------------------------------------------------------------------------
// Links

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

/** Links between views (filters the target pages understand), keeping the time range. */
export const links = {
  requests: (t: TimeParams, f: { service?: string; destination?: string; messageId?: string; attribute?: string; errorOnly?: boolean } = {}) =>
    hrefWith('/requests', {}, { ...timeQuery(t), service: f.service, destination: f.destination, messageId: f.messageId, attribute: f.attribute, errorOnly: f.errorOnly ? 'true' : undefined }),
  request: (traceId: string, spanId?: string) => `/requests/${encodeURIComponent(traceId)}${spanId ? `?span=${encodeURIComponent(spanId)}` : ''}`,
  lag: (t: TimeParams, f: { destination?: string; group?: string } = {}) => hrefWith('/lag', {}, { ...timeQuery(t), destination: f.destination, group: f.group }),
  anomalies: (t: TimeParams, f: { destination?: string; group?: string; type?: string } = {}) =>
    hrefWith('/anomalies', {}, { ...timeQuery(t), destination: f.destination, group: f.group, type: f.type }),
};

/** What the top search box means: a trace id opens its timeline, key=value filters by attribute, else a message id. */
export function searchTarget(raw: string): string {
  const q = raw.trim();
  if (/^[0-9a-fA-F]{32}$/.test(q)) return `/requests/${q.toLowerCase()}`;
  if (q === '') return '/requests';
  const eq = q.indexOf('=');
  if (eq > 0) return hrefWith('/requests', {}, { attribute: q });
  return hrefWith('/requests', {}, { messageId: q });
}
