// Rows → ClickHouse Native or RowBinary, written straight into one growing Buffer. An encoder is
// generated once per table from the table's own column types (system.columns) and the list of
// columns the row provides, so a schema change re-generates the bytes or fails at start; it can never
// silently misalign them. The same column list also yields the JSONEachRow fallback.
//
// Native (the engine's own columnar block: a header of column and row counts, then per column its
// name, type and all its values) is what the store writes: the engine reads a column in bulk, where
// RowBinary costs it a call per value — parsing a batch of the workload's spans took 5.5 CPU-µs per
// span as RowBinary and 1.0 as Native, the whole insert into `spans` with its views 10.5 and 6.4.
// Native per type, for n rows: String = n × (varint length + bytes); numbers and DateTime64(9) =
// n fixed-width LE values; Nullable(T) = n null bytes, then n values of T (a default where NULL);
// Array(T) = n cumulative end offsets (UInt64), then every element as T; Map(K, V) = offsets as an
// array's, then every key, then every value; LowCardinality(T) is written as T (the header says T,
// the engine converts on insert).
//
// RowBinary per type: String = varint length + bytes; (U)Int64 and DateTime64(9) = 8 bytes LE
// (our rows hold them as decimal strings, see rows.ts); Nullable(T) = 1 byte (1 = NULL) then T;
// Array(T) = varint count + elements; Map(K, V) = varint count + key/value pairs;
// LowCardinality(T) = T; Nested columns arrive as their parallel `name.sub` Array columns.

export interface Column {
  name: string;
  type: string;
}

import { isDateTimeText, nsTextOf } from '../datetime64.js';

const TWO32 = 4294967296;

/** A growing byte buffer with the writes RowBinary needs. */
export class RowBinaryWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  u8(n: number): void {
    this.ensure(1);
    this.buf[this.pos++] = n;
  }

  u16(n: number): void {
    this.ensure(2);
    const b = this.buf;
    b[this.pos++] = n & 0xff;
    b[this.pos++] = (n >>> 8) & 0xff;
  }

  u32(n: number): void {
    this.ensure(4);
    this.put32(n >>> 0);
  }

  /** A UInt64 below 2^53 (an Array/Map offset in Native). */
  u64(n: number): void {
    this.ensure(8);
    const hi = Math.floor(n / TWO32);
    this.put32(n - hi * TWO32);
    this.put32(hi);
  }

  f64(n: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(n, this.pos);
    this.pos += 8;
  }

  varint(n: number): void {
    this.ensure(10);
    const b = this.buf;
    while (n >= 0x80) {
      b[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    b[this.pos++] = n;
  }

  /** A string: varint byte length, then UTF-8. */
  str(s: string): void {
    const len = s.length;
    if (len < 43) {
      // at most 126 UTF-8 bytes, so the length is one varint byte, written after the bytes
      this.ensure(1 + len * 3);
      const b = this.buf;
      const start = this.pos + 1;
      // ASCII (ids, names, most values) in JS: cheaper than a native call per string
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[start + i] = c;
      }
      if (i === len) {
        b[this.pos] = len;
        this.pos = start + len;
        return;
      }
      const n = (b as Utf8Buffer).utf8Write(s, start);
      b[this.pos] = n;
      this.pos = start + n;
      return;
    }
    // longer: write after a one-byte length and move the bytes when the length needs more
    this.ensure(10 + len * 3);
    const at = this.pos;
    const n = (this.buf as Utf8Buffer).utf8Write(s, at + 1);
    this.pos = at + 1 + n;
    this.patchCount(at, n);
  }

  /** Map(String-like, String-like) from a plain object: count, then key/value pairs. */
  strMap(m: Record<string, string>): void {
    this.ensure(1);
    const at = this.pos++;
    let n = 0;
    for (const k in m) {
      this.str(k);
      this.str(m[k]!);
      n++;
    }
    this.patchCount(at, n);
  }

  /**
   * A decimal string as a 64-bit little-endian integer (UInt64, Int64, DateTime64(9) in ns), exact
   * without BigInt: up to 15 digits a double is exact; longer values (every ns time) are split
   * into a high part and the last nine digits and recombined in 16/32-bit limbs.
   */
  dec64(s: string): void {
    this.ensure(8);
    const len = s.length;
    let i = 0;
    let neg = false;
    if (s.charCodeAt(0) === 45) {
      neg = true;
      i = 1;
    }
    const digits = len - i;
    if (digits === 0 || digits > 20) throw new RangeError(`not a 64-bit decimal: ${JSON.stringify(s)}`);
    let lo: number;
    let hi: number;
    if (digits <= 15) {
      let v = 0;
      for (; i < len; i++) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) throw new RangeError(`not a 64-bit decimal: ${JSON.stringify(s)}`);
        v = v * 10 + d;
      }
      hi = Math.floor(v / TWO32);
      lo = v - hi * TWO32;
    } else {
      // value = a · 1e9 + b, a < 1.85e11, b < 1e9
      let a = 0;
      let b = 0;
      const split = len - 9;
      for (; i < split; i++) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) throw new RangeError(`not a 64-bit decimal: ${JSON.stringify(s)}`);
        a = a * 10 + d;
      }
      for (; i < len; i++) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) throw new RangeError(`not a 64-bit decimal: ${JSON.stringify(s)}`);
        b = b * 10 + d;
      }
      // a = aH·2^16 + aL; a·1e9 = (aH·1e9)·2^16 + aL·1e9, each product < 2^53
      const aH = Math.floor(a / 65536);
      const aL = a - aH * 65536;
      const x = aH * 1e9; // < 2^52
      const y = aL * 1e9 + b; // < 2^46
      const xH = Math.floor(x / 65536);
      const xL = x - xH * 65536;
      const z = xL * 65536 + y; // < 2^47: the low 48 bits' contribution
      const carry = Math.floor(z / TWO32);
      lo = z - carry * TWO32;
      hi = xH + carry;
      if (hi >= TWO32) throw new RangeError(`out of 64-bit range: ${s}`);
    }
    if (neg) {
      // two's complement: ~x + 1
      lo = (~lo + 1) >>> 0;
      hi = ~hi >>> 0;
      if (lo === 0) hi = (hi + 1) >>> 0;
    }
    this.put32(lo);
    this.put32(hi);
  }

  /**
   * DateTime64(9): ns since the epoch as a decimal string (span rows), or the engine's own text
   * ('YYYY-MM-DD hh:mm:ss.fffffffff', UTC) as query results carry it back (the hop model's rows).
   */
  dt64(s: string): void {
    this.dec64(isDateTimeText(s) ? nsTextOf(s) : s);
  }

  private put32(n: number): void {
    const b = this.buf;
    b[this.pos++] = n & 0xff;
    b[this.pos++] = (n >>> 8) & 0xff;
    b[this.pos++] = (n >>> 16) & 0xff;
    b[this.pos++] = n >>> 24;
  }

  /** Writes count n into the one byte reserved at `at`, moving what follows when n needs more. */
  private patchCount(at: number, n: number): void {
    if (n < 0x80) {
      this.buf[at] = n;
      return;
    }
    let size = 1;
    for (let v = n; v >= 0x80; v = Math.floor(v / 128)) size++;
    this.ensure(size - 1);
    this.buf.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    const end = this.pos;
    this.pos = at;
    this.varint(n);
    this.pos = end;
  }
}

type Utf8Buffer = Buffer & { utf8Write(s: string, offset: number): number };

// ── type strings ──

/** Splits "A, B(C, D), E" at top-level commas. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out;
}

/** 'Array(Nullable(Int64))' → { name: 'Array', args: ['Nullable(Int64)'] } */
function parseType(type: string): { name: string; args: string[] } {
  const t = type.trim();
  const open = t.indexOf('(');
  if (open < 0) return { name: t, args: [] };
  return { name: t.slice(0, open), args: splitArgs(t.slice(open + 1, t.lastIndexOf(')'))) };
}

const STRING_LIKE = (type: string): boolean => {
  const p = parseType(type);
  return p.name === 'String' || (p.name === 'LowCardinality' && STRING_LIKE(p.args[0]!));
};

/** JS statements writing the value held in variable `v` of the given type to writer `w`. */
function encodeStatements(type: string, v: string, depth: number): string {
  const p = parseType(type);
  switch (p.name) {
    case 'String':
      return `w.str(${v});`;
    case 'LowCardinality':
      return encodeStatements(p.args[0]!, v, depth);
    case 'UInt8':
    case 'Bool':
      return `w.u8(${v} ? +${v} : 0);`;
    case 'UInt16':
    case 'Date':
      return `w.u16(${v});`;
    case 'UInt32':
    case 'Int32':
      return `w.u32(${v});`;
    case 'Float64':
      return `w.f64(${v});`;
    case 'UInt64':
    case 'Int64':
      return `w.dec64(typeof ${v} === 'string' ? ${v} : String(${v}));`;
    case 'DateTime64':
      if (p.args[0] !== '9') throw new Error(`rowbinary: only DateTime64(9) is supported (times are ns), not ${type}`);
      return `w.dt64(${v});`;
    case 'Nullable': {
      return `if (${v} === null || ${v} === undefined) w.u8(1); else { w.u8(0); ${encodeStatements(p.args[0]!, v, depth)} }`;
    }
    case 'Array': {
      const a = `a${depth}`;
      const i = `i${depth}`;
      const e = `e${depth}`;
      return (
        `{ const ${a} = ${v}; w.varint(${a}.length); ` +
        `for (let ${i} = 0; ${i} < ${a}.length; ${i}++) { const ${e} = ${a}[${i}]; ${encodeStatements(p.args[0]!, e, depth + 1)} } }`
      );
    }
    case 'Map': {
      if (!STRING_LIKE(p.args[0]!) || !STRING_LIKE(p.args[1]!)) throw new Error(`rowbinary: only string maps are supported, not ${type}`);
      return `w.strMap(${v});`;
    }
    default:
      throw new Error(`rowbinary: no encoder for type ${type}`);
  }
}

/** The type without LowCardinality wrappers: how Native columns are declared in the block header. */
export function plainType(type: string): string {
  const p = parseType(type);
  if (p.name === 'LowCardinality') return plainType(p.args[0]!);
  return p.args.length === 0 ? type.trim() : `${p.name}(${p.args.map(plainType).join(', ')})`;
}

const NATIVE_DEFAULTS: Record<string, string> = { String: "''", DateTime64: "'0'", UInt64: "'0'", Int64: "'0'" };

/** Where a Native column's values come from: `length` of them, the j-th being `at(j)`. */
interface Source {
  length: string;
  at: (j: string) => string;
}

const arraySource = (arr: string): Source => ({ length: `${arr}.length`, at: (j) => `${arr}[${j}]` });

/** JS statements writing every value of `src` as one Native column of the given type. */
function nativeStatements(type: string, src: Source, depth: number): string {
  const p = parseType(type);
  const j = `j${depth}`;
  const v = `v${depth}`;
  const each = (stmts: string) => `for (let ${j} = 0; ${j} < ${src.length}; ${j}++) { const ${v} = ${src.at(j)}; ${stmts} }\n`;
  switch (p.name) {
    case 'LowCardinality':
      return nativeStatements(p.args[0]!, src, depth);
    case 'Nullable': {
      // (ClickHouse nests LowCardinality(Nullable(T)), never the other way round)
      const dflt = NATIVE_DEFAULTS[parseType(p.args[0]!).name] ?? '0';
      const d = `d${depth}`;
      return (
        each(`w.u8(${v} === null || ${v} === undefined ? 1 : 0);`) +
        each(`const ${d} = ${v} === null || ${v} === undefined ? ${dflt} : ${v}; ${encodeStatements(p.args[0]!, d, depth + 1)}`)
      );
    }
    case 'Array': {
      // the offsets, then the elements gathered into one array
      const flat = `f${depth}`;
      const off = `o${depth}`;
      return (
        `{ const ${flat} = []; let ${off} = 0;\n` +
        each(`${off} += ${v}.length; w.u64(${off}); for (let k = 0; k < ${v}.length; k++) ${flat}.push(${v}[k]);`) +
        `${nativeStatements(p.args[0]!, arraySource(flat), depth + 1)} }\n`
      );
    }
    case 'Map': {
      if (!STRING_LIKE(p.args[0]!) || !STRING_LIKE(p.args[1]!)) throw new Error(`native: only string maps are supported, not ${type}`);
      // the offsets, then every key, then every value: three walks over the same objects
      const off = `o${depth}`;
      return (
        `{ let ${off} = 0;\n` +
        each(`for (const key in ${v}) ${off}++; w.u64(${off});`) +
        each(`for (const key in ${v}) w.str(key);`) +
        each(`for (const key in ${v}) w.str(${v}[key]);`) +
        `}\n`
      );
    }
    default:
      // a scalar: RowBinary's encoding of one value is Native's too
      return each(encodeStatements(type, v, depth + 1));
  }
}

/** JS expression for the value of column `name` on the row `row`: a property, or a path of properties. */
function accessor(name: string, field: string | string[] | undefined, row = 'r'): string {
  const path = field === undefined ? [name] : Array.isArray(field) ? field : [field];
  return row + path.map((p) => `[${JSON.stringify(p)}]`).join('');
}

export interface TableEncoding<Row> {
  table: string;
  columns: Column[];
  /** `(c1, c2, …)` for the INSERT statement, backquoted */
  columnList: string;
  /** Appends the rows' RowBinary bytes to the writer. */
  rowBinary(rows: readonly Row[], w: RowBinaryWriter): void;
  /** Appends the rows as one Native block to the writer. */
  native(rows: readonly Row[], w: RowBinaryWriter): void;
  /** The rows in one of the binary formats, as a new buffer (`estimate`: its expected size in bytes). */
  binary(format: 'Native' | 'RowBinary', rows: readonly Row[], estimate: number): Buffer;
  /** The rows as JSONEachRow text (times as "<s>.<9 digits>" for date_time_input_format='basic'). */
  jsonEachRow(rows: readonly Row[]): string;
}

/**
 * Builds the encoders of one table. `provided` lists the columns the rows carry, in the order
 * they are written (the INSERT names them, so columns with a DEFAULT may be left out);
 * `fields` maps a column to another property (path) of the row. `tableColumns` is the table's
 * system.columns (name, type, default_kind): a provided column missing from the table, or a
 * table column without a default that is not provided, is an error naming both.
 */
export function tableEncoding<Row>(
  table: string,
  provided: readonly string[],
  tableColumns: ReadonlyArray<Column & { default_kind?: string }>,
  fields: Record<string, string | string[]> = {},
): TableEncoding<Row> {
  const byName = new Map(tableColumns.map((c) => [c.name, c]));
  const missing = provided.filter((n) => !byName.has(n));
  const unfilled = tableColumns.filter((c) => !provided.includes(c.name) && !c.default_kind).map((c) => c.name);
  if (missing.length || unfilled.length) {
    throw new Error(
      `the ${table} table does not match the rows Eventscope writes` +
        (missing.length ? `; not in the table: ${missing.join(', ')}` : '') +
        (unfilled.length ? `; not written and without a default: ${unfilled.join(', ')}` : ''),
    );
  }
  const columns = provided.map((n) => ({ name: n, type: byName.get(n)!.type }));

  let body = '';
  columns.forEach((c, k) => {
    body += `const c${k} = ${accessor(c.name, fields[c.name])}; ${encodeStatements(c.type, `c${k}`, 0)}\n`;
  });
  const rowBinary = new Function('rows', 'w', `for (let n = 0; n < rows.length; n++) { const r = rows[n];\n${body}}`) as TableEncoding<Row>['rowBinary'];

  // Native: the header, then per column its values gathered from the rows and written in bulk
  let nativeBody = `w.varint(${columns.length}); w.varint(rows.length);\n`;
  columns.forEach((c, k) => {
    nativeBody +=
      `w.str(${JSON.stringify(c.name)}); w.str(${JSON.stringify(plainType(c.type))});\n` +
      nativeStatements(c.type, { length: 'rows.length', at: (j) => accessor(c.name, fields[c.name], `rows[${j}]`) }, 0);
  });
  const native = new Function('rows', 'w', nativeBody) as TableEncoding<Row>['native'];

  // one object literal per row and one JSON.stringify: a call per column costs several times more
  const json = columns.map((c) => `${JSON.stringify(c.name)}: ${jsonValue(c.type, accessor(c.name, fields[c.name]))}`).join(', ');
  const jsonRow = new Function('r', 'nsTime', `return JSON.stringify({ ${json} }) + '\\n';`) as (r: Row, nsTime: (ns: string) => string) => string;

  return {
    table,
    columns,
    columnList: `(${columns.map((c) => '`' + c.name.replaceAll('`', '\\`') + '`').join(', ')})`,
    rowBinary,
    native,
    binary(format, rows, estimate) {
      const w = new RowBinaryWriter(estimate);
      if (format === 'Native') native(rows, w);
      else rowBinary(rows, w);
      return w.bytes();
    },
    jsonEachRow(rows) {
      let text = '';
      for (let i = 0; i < rows.length; i++) text += jsonRow(rows[i]!, nsToDateTime64);
      return text;
    },
  };
}

/** JS expression of a column's JSONEachRow value: times become "<s>.<9 digits>", the rest as is. */
function jsonValue(type: string, v: string): string {
  const p = parseType(type);
  if (p.name === 'DateTime64') return `nsTime(${v})`;
  if (p.name === 'Array' && parseType(p.args[0]!).name === 'DateTime64') return `${v}.map(nsTime)`;
  return v;
}

/** Nanoseconds since the epoch (decimal string) → "<seconds>.<9 digits>", unambiguous for DateTime64(9). */
export function nsToDateTime64(ns: string): string {
  const padded = ns.length > 9 ? ns : ns.padStart(10, '0');
  return `${padded.slice(0, -9)}.${padded.slice(-9)}`;
}
