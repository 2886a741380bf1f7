// Query-string parameters shared by every endpoint: one parser per kind of value, one wording
// per kind of error (400 via ApiError). Time ranges and steps live in time.ts and lag.ts.
import { ApiError } from './http.js';

export const TRACE_ID = /^[0-9a-f]{32}$/;
const MAX_TEXT = 1024;

/** An integer in [min, max]; `def` when absent or empty. */
export function intParam(url: URL, name: string, def: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw.trim() === '') return def;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(n >= min && n <= max)) throw new ApiError(`${name}: expected an integer between ${min} and ${max}, got "${raw}"`);
  return n;
}

/** true/false (also 1/0); a bare `?name` is true; `def` when absent. */
export function boolParam(url: URL, name: string, def: boolean): boolean {
  const raw = url.searchParams.get(name);
  if (raw === null) return def;
  if (raw === '' || raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ApiError(`${name}: expected true or false, got "${raw}"`);
}

/** One of `values`; `def` (possibly undefined) when absent. */
export function enumParam<T extends string>(url: URL, name: string, values: readonly T[], def: T): T;
export function enumParam<T extends string>(url: URL, name: string, values: readonly T[]): T | undefined;
export function enumParam<T extends string>(url: URL, name: string, values: readonly T[], def?: T): T | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return def;
  if (!(values as readonly string[]).includes(raw)) throw new ApiError(`${name}: expected one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** An optional non-empty string (a service, destination, group, message id …). */
export function textParam(url: URL, name: string): string | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  if (raw === '' || raw.length > MAX_TEXT) {
    throw new ApiError(`${name}: expected a non-empty name or value of at most ${MAX_TEXT} characters`);
  }
  return raw;
}
