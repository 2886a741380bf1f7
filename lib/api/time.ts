// Time-range parameters shared by every endpoint: `from`/`to` as ISO 8601, epoch milliseconds,
// or relative to now (`now`, `now-15m`, `now-2h`, `now-7d`). Bounded so no query scans forever
// and no time reaches the engine that its columns cannot hold.
import { ApiError } from './errors.js';
import { shown, single } from './params.js';

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
export const MAX_RANGE_MS = 31 * 86_400_000;
/**
 * The times a query may name. Spans start after 1970 (OTLP times are unsigned nanoseconds), and the
 * hop model's per-minute state and lag cells are `DateTime` columns (up to 2106, with 2106-01-01 as
 * the lag cells' "not yet delivered" marker); queries also look a day beyond their range. 2100 keeps
 * every bound a query computes inside what each column can hold (past it ClickHouse raised
 * DECIMAL_OVERFLOW, which was a 500).
 */
export const MIN_TIME_MS = Date.UTC(1970, 0, 1);
export const MAX_TIME_MS = Date.UTC(2100, 0, 1);
const BOUNDS = `between ${new Date(MIN_TIME_MS).toISOString()} and ${new Date(MAX_TIME_MS).toISOString()}`;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/;

export function parseTime(raw: string, name: string, now: Date): number {
  const s = raw.trim();
  const ms = parseTimeValue(s, name, raw, now);
  if (ms === undefined) {
    throw new ApiError(`${name}: expected ISO 8601, epoch milliseconds or now-<n><s|m|h|d|w>, got ${shown(raw)}`);
  }
  if (!(ms >= MIN_TIME_MS && ms <= MAX_TIME_MS)) throw new ApiError(`${name}: expected a time ${BOUNDS}, got ${shown(raw)}`);
  return ms;
}

/** The time `s` names in epoch ms (possibly out of bounds or infinite), or undefined when it is not a time. */
function parseTimeValue(s: string, name: string, raw: string, now: Date): number | undefined {
  const rel = /^now(?:-(\d+)([smhdw]))?$/.exec(s);
  if (rel) return now.getTime() - (rel[1] ? Number(rel[1]) * UNIT_MS[rel[2]!]! : 0);
  if (/^\d{10,16}$/.test(s)) return Number(s);
  const date = ISO_DATE.exec(s);
  if (date) {
    // Date.parse rolls 2026-02-30 over to March 2; a day the calendar lacks is an error
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const day = new Date(Date.UTC(2000, m - 1, d));
    day.setUTCFullYear(y);
    if (m < 1 || m > 12 || day.getUTCDate() !== d) throw new ApiError(`${name}: expected a date the calendar has, got ${shown(raw)}`);
    const ms = Date.parse(s);
    if (Number.isFinite(ms)) return ms;
  }
  return undefined;
}

export function parseTimeRange(url: URL, now: Date, defaultFrom = 'now-15m'): TimeRange {
  const fromMs = parseTime(single(url, 'from') ?? defaultFrom, 'from', now);
  const toMs = parseTime(single(url, 'to') ?? 'now', 'to', now);
  if (fromMs >= toMs) throw new ApiError('from must be before to');
  if (toMs - fromMs > MAX_RANGE_MS) throw new ApiError('the time range may span at most 31 days');
  return { fromMs, toMs };
}

// In SQL, pass times as epoch milliseconds and convert on the server, so no time zone is involved:
//   WHERE timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}) AND timestamp < fromUnixTimestamp64Milli({toMs:Int64})
