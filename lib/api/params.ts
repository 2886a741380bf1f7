// Query-string parameters shared by every endpoint: one parser per kind of value, one wording
// per kind of error (400 via ApiError: `<name>: expected <what>, got "<value>"`). Time ranges live
// in time.ts, steps in lag.ts. Every parser reads its parameter through `single`, so a repeated
// parameter is refused instead of silently taking the first value.
import { ApiError } from './errors.js';

export const TRACE_ID = /^[0-9a-f]{32}$/;
export const MAX_TEXT = 1024;
const MAX_SHOWN = 80;

/** A client's value as quoted back in an error message: cut at 80 characters, so a 100 kB value is not echoed. */
export function shown(raw: string): string {
  return JSON.stringify(raw.length > MAX_SHOWN ? `${raw.slice(0, MAX_SHOWN)}…` : raw);
}

/** The one value of `name`, or null when absent; a parameter given twice is a 400. */
export function single(url: URL, name: string): string | null {
  const all = url.searchParams.getAll(name);
  if (all.length > 1) throw new ApiError(`${name}: expected one value, got ${all.length}`);
  return all[0] ?? null;
}

/** Refuses a parameter the endpoint does not know (a typo would otherwise be silently ignored). */
export function rejectUnknown(url: URL, known: readonly string[]): void {
  for (const name of url.searchParams.keys()) {
    if (!known.includes(name)) throw new ApiError(`unknown parameter ${shown(name)}; expected ${known.join(', ')}`);
  }
}

/** An integer in [min, max]; `def` when absent or empty. */
export function intParam(url: URL, name: string, def: number, min: number, max: number): number {
  const raw = single(url, name);
  if (raw === null || raw.trim() === '') return def;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(n >= min && n <= max)) throw new ApiError(`${name}: expected an integer between ${min} and ${max}, got ${shown(raw)}`);
  return n;
}

/** true/false (also 1/0); a bare `?name` is true; `def` when absent. */
export function boolParam(url: URL, name: string, def: boolean): boolean {
  const raw = single(url, name);
  if (raw === null) return def;
  if (raw === '' || raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ApiError(`${name}: expected true or false, got ${shown(raw)}`);
}

/** One of `values`; `def` (possibly undefined) when absent. */
export function enumParam<T extends string>(url: URL, name: string, values: readonly T[], def: T): T;
export function enumParam<T extends string>(url: URL, name: string, values: readonly T[]): T | undefined;
export function enumParam<T extends string>(url: URL, name: string, values: readonly T[], def?: T): T | undefined {
  const raw = single(url, name);
  if (raw === null) return def;
  if (!(values as readonly string[]).includes(raw)) throw new ApiError(`${name}: expected one of ${values.join(', ')}, got ${shown(raw)}`);
  return raw as T;
}

/** An optional non-empty string (a service, destination, group, message id …), at most 1024 characters. */
export function textParam(url: URL, name: string): string | undefined {
  const raw = single(url, name);
  if (raw === null) return undefined;
  if (raw === '' || raw.length > MAX_TEXT) {
    throw new ApiError(`${name}: expected a non-empty name or value of at most ${MAX_TEXT} characters, got ${raw === '' ? 'an empty value' : `${raw.length} characters`}`);
  }
  return raw;
}
