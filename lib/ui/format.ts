// Display formatting for the dashboard: durations, rates, counts, times. Pure, locale-stable
// (tests and server/client rendering must agree, so no toLocaleString with implicit locales).

/** A duration in milliseconds as a short human string with its unit: 0.42 ms, 38 ms, 1.25 s, 3.5 min. */
export function formatDurationMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '–';
  const neg = ms < 0;
  const a = Math.abs(ms);
  let s: string;
  if (a === 0) s = '0 ms';
  else if (a < 1) s = `${trim(a * 1000, a * 1000 < 10 ? 1 : 0)} µs`;
  else if (a < 10) s = `${trim(a, 2)} ms`;
  else if (a < 1000) s = `${trim(a, a < 100 ? 1 : 0)} ms`;
  else if (a < 60_000) s = `${trim(a / 1000, 2)} s`;
  else if (a < 3_600_000) s = `${trim(a / 60_000, 1)} min`;
  else if (a < 86_400_000) s = `${trim(a / 3_600_000, 1)} h`;
  else s = `${trim(a / 86_400_000, 1)} d`;
  return neg ? `−${s}` : s;
}

/** Fixed decimals without trailing zeros: trim(1.50, 2) → "1.5". */
function trim(n: number, decimals: number): string {
  return Number(n.toFixed(decimals)).toString();
}

/** A count with a thousands suffix: 950, 1.2k, 34k, 1.5M. */
export function formatCount(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a < 1000) return trim(n, a < 10 && !Number.isInteger(n) ? 1 : 0);
  if (a < 1_000_000) return `${trim(n / 1000, a < 10_000 ? 1 : 0)}k`;
  return `${trim(n / 1_000_000, a < 10_000_000 ? 1 : 0)}M`;
}

/** Events per time: picks /s or /min so the number reads well. `rangeMs` is the window the count covers. */
export function formatRate(count: number, rangeMs: number): string {
  if (!(rangeMs > 0) || !Number.isFinite(count)) return '–';
  const perSec = count / (rangeMs / 1000);
  if (perSec >= 1) return `${trim(perSec, perSec < 10 ? 1 : 0)}/s`;
  const perMin = perSec * 60;
  if (perMin >= 0.1) return `${trim(perMin, perMin < 10 ? 1 : 0)}/min`;
  return `${trim(perMin * 60, 1)}/h`;
}

/** A ratio 0..1 as a percentage; tiny non-zero ratios are shown as "<0.1%" rather than "0%". */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio == null || !Number.isFinite(ratio)) return '–';
  if (ratio === 0) return '0%';
  const p = ratio * 100;
  if (p < 0.1) return '<0.1%';
  return `${trim(p, p < 10 ? 1 : 0)}%`;
}

/** Error rate of an edge or request set; 0 when there were no calls. */
export function errorRatio(errors: number, count: number): number {
  return count > 0 ? errors / count : 0;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Wall-clock time in UTC, HH:MM:SS.mmm (dashboard shows UTC everywhere and says so). */
export function formatClock(t: string | number | Date | null | undefined, withMs = false): string {
  if (t == null || t === '') return '–';
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) return '–';
  const base = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return withMs ? `${base}.${pad(d.getUTCMilliseconds(), 3)}` : base;
}

/** Date and time in UTC: 2026-11-26 09:14:05 UTC. */
export function formatDateTime(t: string | number | Date | null | undefined): string {
  if (t == null || t === '') return '–';
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) return '–';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${formatClock(d)} UTC`;
}

/** How long ago, relative to `now`: "12 s ago", "4 min ago". */
export function formatAgo(t: string | number | Date, now: number): string {
  const ms = now - (t instanceof Date ? t.getTime() : new Date(t).getTime());
  if (!Number.isFinite(ms)) return '–';
  if (ms < 0) return 'just now';
  return `${formatDurationMs(ms).replace(/\.\d+/, '')} ago`;
}

/** Nanosecond decimal strings → milliseconds relative to a base, exactly enough for display. */
export function nsDiffMs(ns: string, baseNs: string): number {
  return Number(BigInt(ns) - BigInt(baseNs)) / 1e6;
}

/** Shortens a hex id for display: first 8 chars. */
export function shortId(id: string, n = 8): string {
  return id.length > n ? id.slice(0, n) : id;
}

/** A count of messages with its unit: "1 msg", "33 msgs", "1.2k msgs". */
export function formatMessages(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '–';
  return `${formatCount(n)} ${n === 1 ? 'msg' : 'msgs'}`;
}
