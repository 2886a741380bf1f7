// SpanRow → ClickHouse RowBinary, for the "fastest format" side of the limit measurement.
// chdb/connection takes text formats only, so the bytes go to a file on tmpfs and the engine reads
// them with the file() table function. Column order and types follow system.columns of `spans`.
import type { SpanRow } from '../lib/store/rows.js';

export interface Column {
  name: string;
  type: string;
}

type Enc = (w: Writer, v: unknown) => void;

export class Writer {
  buf: Buffer;
  pos = 0;
  constructor(size = 1 << 24) {
    this.buf = Buffer.allocUnsafe(size);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }
  string(s: string): void {
    if (s.length < 43) {
      // at most 126 UTF-8 bytes: the length fits one varint byte, written after the bytes are
      this.ensure(1 + s.length * 3);
      const n = this.buf.write(s, this.pos + 1, 'utf8');
      this.buf[this.pos] = n;
      this.pos += 1 + n;
      return;
    }
    const n = Buffer.byteLength(s);
    this.varint(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
  /** a non-negative decimal string as a little-endian 64-bit integer */
  u64(dec: string): void {
    this.ensure(8);
    const v = dec.length < 16 ? BigInt(Number(dec)) : BigInt(dec);
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
  }
  i64(dec: string): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt(dec), this.pos);
    this.pos += 8;
  }
  u32(n: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(n >>> 0, this.pos);
    this.pos += 4;
  }
}

function encoderFor(type: string): Enc {
  const inner = (prefix: string) => type.slice(prefix.length, -1);
  if (type === 'String' || type === 'LowCardinality(String)') return (w, v) => w.string(v as string);
  if (type.startsWith('DateTime64(') || type === 'UInt64') return (w, v) => w.u64(v as string);
  if (type === 'UInt32') return (w, v) => w.u32(v as number);
  if (type.startsWith('Nullable(')) {
    const e = encoderFor(inner('Nullable('));
    return (w, v) => {
      w.ensure(1);
      if (v === null || v === undefined) w.buf[w.pos++] = 1;
      else {
        w.buf[w.pos++] = 0;
        e(w, v);
      }
    };
  }
  if (type === 'Int64') return (w, v) => w.i64(v as string);
  if (type.startsWith('Array(')) {
    const e = encoderFor(inner('Array('));
    return (w, v) => {
      const a = v as unknown[];
      w.varint(a.length);
      for (let i = 0; i < a.length; i++) e(w, a[i]);
    };
  }
  if (type.startsWith('Map(')) {
    // Map(K, V) with string keys and values here
    return (w, v) => {
      const m = v as Record<string, string>;
      const keys = Object.keys(m);
      w.varint(keys.length);
      for (let i = 0; i < keys.length; i++) {
        w.string(keys[i]!);
        w.string(m[keys[i]!]!);
      }
    };
  }
  throw new Error(`rowbinary: no encoder for ${type}`);
}

/** An encoder for rows of the given columns (times as ns decimal strings, like SpanRow). */
export function rowBinaryEncoder(columns: Column[]): (rows: SpanRow[], w: Writer) => void {
  const encs = columns.map((c) => ({ name: c.name, enc: encoderFor(c.type.replace(/ CODEC\(.*\)$/, '')) }));
  return (rows, w) => {
    for (const row of rows) {
      const r = row as unknown as Record<string, unknown>;
      for (let i = 0; i < encs.length; i++) encs[i]!.enc(w, r[encs[i]!.name]);
    }
  };
}
