// Typed attribute values ↔ the strings stored in Map(String, String) columns (see rows.ts).
//
// A string attribute is stored as itself with no type entry. Other values are stored as a string
// plus an `attribute_types` entry, so the exact OTLP value can be rebuilt:
//   int    → decimal string (exact int64)          double → shortest round-trip form, 'NaN', 'Infinity', '-0'
//   bool   → 'true' | 'false'                      bytes  → base64
//   array  → JSON array of elements               kvlist → JSON object of elements
// Elements (inside arrays/kvlists) are JSON that keeps the type unambiguous:
//   string → "s"      bool → true/false      int → {"intValue":"5"}      double → {"doubleValue":1.5}
//   bytes → {"bytesValue":"AA=="}      array → [ … ]      kvlist → {"kvlistValue":{ … }}      empty → null
// so string arrays stay plain (`["a","b"]`) and readable by ClickHouse JSON functions.
import type { AttributeType } from './rows.js';

/** An OTLP AnyValue in the OTLP/JSON mapping (int64 as decimal string, bytes as base64). */
export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | 'NaN' | 'Infinity' | '-Infinity' }
  | { bytesValue: string }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: { key: string; value: AnyValue }[] } }
  | Record<string, never>; // an empty AnyValue

export interface StoredValue {
  value: string;
  /** undefined for strings */
  type: AttributeType | undefined;
}

/** A double as stored: exact round trip, including -0 and the non-finite values. */
export function formatDouble(d: number): string {
  if (d === 0 && 1 / d < 0) return '-0';
  return String(d); // 'NaN', 'Infinity', '-Infinity' or the shortest exact form
}

// ── exact int64 decimals ──

const U64_MAX = '18446744073709551615';
const I64_MAX = '9223372036854775807';
const I64_MIN_ABS = '9223372036854775808';

/** A canonical unsigned decimal (no sign, no leading zeros) ≤ 2^64−1, or null: OTLP/JSON fixed64 times. */
export function canonicalU64(s: string): string | null {
  if (!/^\d{1,20}$/.test(s)) return null;
  const t = s.replace(/^0+(?=\d)/, '');
  if (t.length === 20 && t > U64_MAX) return null;
  return t;
}

/** A canonical signed decimal within int64 (no '+', no leading zeros, no '-0'), or null. */
export function canonicalI64(s: string): string | null {
  const m = /^([-+]?)(\d+)$/.exec(s);
  if (!m) return null;
  const t = m[2]!.replace(/^0+(?=\d)/, '');
  const neg = m[1] === '-' && t !== '0';
  if (t.length > 19 || (t.length === 19 && t > (neg ? I64_MIN_ABS : I64_MAX))) return null;
  return neg ? '-' + t : t;
}

// ── element encoders: the single place that spells the element JSON (decoders call these) ──

export const element = {
  string: (s: string): string => JSON.stringify(s),
  bool: (b: boolean): string => (b ? 'true' : 'false'),
  int: (decimal: string): string => `{"intValue":"${decimal}"}`,
  double: (d: number): string => (Number.isFinite(d) ? `{"doubleValue":${formatDouble(d)}}` : `{"doubleValue":"${String(d)}"}`),
  bytes: (base64: string): string => `{"bytesValue":"${base64}"}`,
  /** `items` are element JSON strings */
  array: (items: string[]): string => `[${items.join(',')}]`,
  /** `body` is the output of kvlistBody */
  kvlist: (body: string): string => `{"kvlistValue":${body}}`,
  empty: 'null',
};

/** The JSON object of a kvlist from [key, element JSON] pairs; also the stored form of a top-level kvlist. */
export function kvlistBody(keys: string[], elements: string[]): string {
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ',';
    out += JSON.stringify(keys[i]) + ':' + elements[i];
  }
  return out + '}';
}

/** Encodes an AnyValue as element JSON. */
export function encodeElement(v: AnyValue): string {
  if ('stringValue' in v) return element.string(v.stringValue);
  if ('boolValue' in v) return element.bool(v.boolValue);
  if ('intValue' in v) return element.int(v.intValue);
  if ('doubleValue' in v) return element.double(Number(v.doubleValue));
  if ('bytesValue' in v) return element.bytes(v.bytesValue);
  if ('arrayValue' in v) return element.array(v.arrayValue.values.map(encodeElement));
  if ('kvlistValue' in v) return element.kvlist(encodeKvlist(v.kvlistValue.values));
  return element.empty;
}

function encodeKvlist(values: { key: string; value: AnyValue }[]): string {
  return kvlistBody(
    values.map((kv) => kv.key),
    values.map((kv) => encodeElement(kv.value)),
  );
}

/** Encodes an AnyValue for storage: the column string plus its type (undefined for strings). */
export function encodeAnyValue(v: AnyValue): StoredValue {
  if ('stringValue' in v) return { value: v.stringValue, type: undefined };
  if ('boolValue' in v) return { value: v.boolValue ? 'true' : 'false', type: 'bool' };
  if ('intValue' in v) return { value: v.intValue, type: 'int' };
  if ('doubleValue' in v) return { value: formatDouble(Number(v.doubleValue)), type: 'double' };
  if ('bytesValue' in v) return { value: v.bytesValue, type: 'bytes' };
  if ('arrayValue' in v) return { value: element.array(v.arrayValue.values.map(encodeElement)), type: 'array' };
  if ('kvlistValue' in v) return { value: encodeKvlist(v.kvlistValue.values), type: 'kvlist' };
  return { value: '', type: undefined };
}

// ── rebuilding typed values from stored strings ──

/** Rebuilds the exact AnyValue from a stored string and its `attribute_types` entry. */
export function decodeStoredValue(value: string, type: string | undefined): AnyValue {
  switch (type) {
    case undefined:
    case '':
      return { stringValue: value };
    case 'int':
      return { intValue: value };
    case 'double':
      return { doubleValue: doubleFromStored(value) };
    case 'bool':
      return { boolValue: value === 'true' };
    case 'bytes':
      return { bytesValue: value };
    case 'array':
    case 'kvlist': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        return { stringValue: value }; // not written by us; show it as it is
      }
      return fromElement(type === 'kvlist' ? { kvlistValue: parsed } : parsed);
    }
    default:
      return { stringValue: value };
  }
}

function doubleFromStored(s: string): number | 'NaN' | 'Infinity' | '-Infinity' {
  if (s === 'NaN' || s === 'Infinity' || s === '-Infinity') return s;
  return Number(s);
}

function fromElement(e: unknown): AnyValue {
  if (e === null || e === undefined) return {};
  if (typeof e === 'string') return { stringValue: e };
  if (typeof e === 'boolean') return { boolValue: e };
  if (typeof e === 'number') return { doubleValue: e }; // not written by us, but keep it
  if (Array.isArray(e)) return { arrayValue: { values: e.map(fromElement) } };
  const o = e as Record<string, unknown>;
  if (typeof o.intValue === 'string') return { intValue: o.intValue };
  if ('doubleValue' in o) {
    const d = o.doubleValue;
    return { doubleValue: typeof d === 'string' ? doubleFromStored(d) : Number(d) };
  }
  if (typeof o.bytesValue === 'string') return { bytesValue: o.bytesValue };
  if (o.kvlistValue && typeof o.kvlistValue === 'object') {
    return {
      kvlistValue: {
        values: Object.entries(o.kvlistValue as Record<string, unknown>).map(([key, v]) => ({ key, value: fromElement(v) })),
      },
    };
  }
  return {};
}

/**
 * Rebuilds the typed attributes of one map column. `prefix` is the `attribute_types` key prefix:
 * 'span.', 'resource.', 'scope.', 'event.<i>.', 'link.<i>.'.
 */
export function typedAttributes(
  values: Record<string, string>,
  types: Record<string, string>,
  prefix: string,
): Record<string, AnyValue> {
  const out: Record<string, AnyValue> = {};
  for (const key of Object.keys(values)) out[key] = decodeStoredValue(values[key]!, types[prefix + key]);
  return out;
}

/** A plain JS value for display: int64 as bigint, bytes as base64 string, arrays/kvlists recursively. */
export function plainValue(v: AnyValue): unknown {
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return BigInt(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('bytesValue' in v) return v.bytesValue;
  if ('arrayValue' in v) return v.arrayValue.values.map(plainValue);
  if ('kvlistValue' in v) return Object.fromEntries(v.kvlistValue.values.map((kv) => [kv.key, plainValue(kv.value)]));
  return null;
}
