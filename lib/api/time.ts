// Time-range parameters shared by every endpoint: `from`/`to` as ISO 8601, epoch milliseconds,
// or relative to now (`now`, `now-15m`, `now-2h`, `now-7d`). Bounded so no query scans forever.
import { ApiError } from './http.js';

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
export const MAX_RANGE_MS = 31 * 86_400_000;

export function parseTime(raw: string, name: string, now: Date): number {
  const s = raw.trim();
  const rel = /^now(?:-(\d+)([smhdw]))?$/.exec(s);
  if (rel) return now.getTime() - (rel[1] ? Number(rel[1]) * UNIT_MS[rel[2]!]! : 0);
  if (/^\d{10,16}$/.test(s)) return Number(s);
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) {
    const ms = Date.parse(s);
    if (Number.isFinite(ms)) return ms;
  }
  throw new ApiError(`${name}: expected ISO 8601, epoch milliseconds or now-<n><s|m|h|d|w>, got "${raw}"`);
}

export function parseTimeRange(url: URL, now: Date, defaultFrom = 'now-15m'): TimeRange {
  const fromMs = parseTime(url.searchParams.get('from') ?? defaultFrom, 'from', now);
  const toMs = parseTime(url.searchParams.get('to') ?? 'now', 'to', now);
  if (fromMs >= toMs) throw new ApiError('from must be before to');
  if (toMs - fromMs > MAX_RANGE_MS) throw new ApiError('the time range may span at most 31 days');
  return { fromMs, toMs };
}

// In SQL, pass times as epoch milliseconds and convert on the server, so no time zone is involved:
//   WHERE timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}) AND timestamp < fromUnixTimestamp64Milli({toMs:Int64})
