// The write path: span rows → bytes (prepare, synchronous, can run while the previous batch is
// being inserted) → committed rows (commit). Native when the engine takes it, else RowBinary, else
// JSONEachRow (embedded chDB reads the binary formats from a tmpfs file, lib/store/chdb-binary.ts; a
// server gets them as the body of @clickhouse/client's exec); chosen once at start by probe inserts
// into null().
// A span refers to its (resource, scope) by key: each batch's resources that this process has not
// written yet for that day are inserted first, so a committed span always has its resource.
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { chdbBinaryInserter, type BinaryFormat, type ChdbBinaryInserter } from './chdb-binary.js';
import { tableEncoding, type Column, type TableEncoding } from './rowbinary.js';
import { RESOURCE_COLUMNS, SPAN_COLUMNS, SPAN_RESOURCE_FIELDS, type ResourceRow, type SpanRow } from './rows.js';
import { dropEpoch, noteWrite, resetStatus } from '../status.js';
import { DiskFullError, isDiskFull } from './disk-full.js';
import { BUSINESS_KEY_COLUMNS, businessKeyRows, type BusinessKeyRow } from './business-keys.js';

export type InsertFormat = BinaryFormat | 'JSONEachRow';

/** A resource row for one day of its spans (days since the epoch, UTC). */
export type DayResource = ResourceRow & { day: number };

/** One batch, encoded and ready to commit. */
export interface PreparedSpans {
  readonly spans: number;
  readonly format: InsertFormat;
  readonly body: Buffer;
  /** the batch's distinct (resource, day) pairs */
  readonly resources: readonly DayResource[];
  /** the batch's business-key rows (migration 013), encoded; inserted after the spans */
  readonly businessKeys?: Buffer;
}

export interface SpanWriter {
  readonly format: InsertFormat;
  prepare(rows: readonly SpanRow[]): PreparedSpans;
  commit(prepared: PreparedSpans): Promise<void>;
  /** commits that run side by side (embedded: one per insert connection; a server: 1) */
  readonly lanes: number;
  close(): void;
}

/** Where the bytes go: embedded chDB (its raw-insert handle) or a server (the client). */
export interface WriterTarget {
  database: string;
  client: ClickHouseClient;
  /**
   * Embedded: the connections inserts go through (chDB runs one query at a time per connection;
   * connections to one folder run side by side). One commit uses one connection; commits in
   * flight at once take different ones.
   */
  chdb?: import('chdb/connection').ChdbExtension | Array<import('chdb/connection').ChdbExtension>;
  /** the tables' columns, from system.columns */
  columns(table: string): Promise<Array<Column & { default_kind: string }>>;
}

// 'basic' reads "<seconds>.<nanoseconds>" exactly for every time, including tiny ones that
// best-effort parsing would mistake for dates (JSONEachRow only; RowBinary carries integers).
const JSON_SETTINGS = { async_insert: 0, input_format_skip_unknown_fields: 0, date_time_input_format: 'basic' } as const;
const BINARY_SETTINGS = { async_insert: 0 } as const;

/** (key, day) pairs written by this process; bounded, the oldest forgotten first. */
const RESOURCE_CACHE_SIZE = 50_000;

export async function createSpanWriter(t: WriterTarget, opts: { format?: InsertFormat; businessKeys?: readonly string[] } = {}): Promise<SpanWriter> {
  const spans = tableEncoding<SpanRow>('spans', SPAN_COLUMNS, await t.columns('spans'), SPAN_RESOURCE_FIELDS);
  const resources = tableEncoding<DayResource>('resources', RESOURCE_COLUMNS, await t.columns('resources'));
  const keys = opts.businessKeys ?? [];
  const businessKeys = keys.length
    ? tableEncoding<BusinessKeyRow>('business_keys', BUSINESS_KEY_COLUMNS, await t.columns('business_keys'))
    : undefined;
  const lanes = laneSet(t);
  const format =
    opts.format ??
    ((await probeBinary(t, lanes.first.binary, 'Native')) ? 'Native' : (await probeBinary(t, lanes.first.binary, 'RowBinary')) ? 'RowBinary' : 'JSONEachRow');
  const encode = <R>(enc: TableEncoding<R>, rows: readonly R[], estimate: number): Buffer =>
    format === 'JSONEachRow' ? Buffer.from(enc.jsonEachRow(rows)) : enc.binary(format, rows, estimate);

  const written = new Map<string, true>();
  let bytesPerSpan = 1024;
  resetStatus(); // a store opened anew starts with a clean record of its writes

  let epoch = dropEpoch();
  const commit = async (p: PreparedSpans, lane: Lane) => {
    const send = (enc: TableEncoding<unknown>, body: Buffer) => insertBody(t, lane, enc, format, body);
    // the disk budget dropped days, their resources with them: write each resource again once
    if (epoch !== dropEpoch()) {
      written.clear();
      epoch = dropEpoch();
    }
    const fresh = p.resources.filter((r) => !written.has(r.resource_key + ':' + r.day));
    if (fresh.length > 0) {
      await send(resources as TableEncoding<unknown>, encode(resources, fresh, fresh.length * 512));
      for (const r of fresh) {
        if (written.size >= RESOURCE_CACHE_SIZE) written.delete(written.keys().next().value!);
        written.set(r.resource_key + ':' + r.day, true);
      }
    }
    await send(spans as TableEncoding<unknown>, p.body);
    if (businessKeys && p.businessKeys) await send(businessKeys as TableEncoding<unknown>, p.businessKeys);
  };

  return {
    format,
    prepare(rows) {
      const body = encode(spans, rows, Math.ceil(rows.length * bytesPerSpan * 1.1) + 1024);
      if (rows.length > 0) bytesPerSpan = body.length / rows.length;
      const found = businessKeys ? businessKeyRows(rows, keys) : [];
      const keyBody = businessKeys && found.length ? encode(businessKeys, found, found.length * 128) : undefined;
      return { spans: rows.length, format, body, resources: distinctResources(rows), businessKeys: keyBody };
    },
    async commit(p) {
      if (p.spans === 0) return;
      const lane = await lanes.take();
      try {
        await commit(p, lane);
      } catch (err) {
        // health reports the failure until a later write commits (lib/status.ts)
        const full = isDiskFull(err);
        noteWrite(err, full);
        if (!full) throw err;
        throw new DiskFullError(`the disk is full: ${firstLine(err)}`, { cause: err });
      } finally {
        lanes.give(lane);
      }
      noteWrite();
    },
    lanes: lanes.size,
    close() {
      lanes.close();
    },
  };
}

/**
 * Inserts rows of one of Eventscope's own tables (the pairing pass's hops) as Native or RowBinary: an encoder
 * per (table, columns) generated from the table's types, the columns being the first row's keys
 * (every row has the same). Values in the shape JSON output gives them back: 64-bit integers as
 * decimal strings, DateTime64 as text or ns, null for NULL. Embedded, through `chdb` (a query
 * connection); a server gets the bytes as the body of an INSERT.
 */
export function createRowInserter(t: Omit<WriterTarget, 'chdb'> & { chdb?: import('chdb/connection').ChdbExtension }, format: BinaryFormat = 'RowBinary') {
  const encodings = new Map<string, Promise<TableEncoding<Record<string, unknown>>>>();
  const lane: Lane = t.chdb ? { chdb: t.chdb, binary: chdbBinaryInserter(t.chdb) } : {};
  return {
    async insert(table: string, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
      if (rows.length === 0) return;
      const columns = Object.keys(rows[0]!);
      const id = `${table}\u0000${columns.join(',')}`;
      let enc = encodings.get(id);
      if (!enc) {
        enc = t.columns(table).then((c) => tableEncoding<Record<string, unknown>>(table, columns, c));
        encodings.set(id, enc);
        enc.catch(() => encodings.delete(id)); // a failed lookup is tried again next time
      }
      const e = await enc;
      await insertBody(t, lane, e as TableEncoding<unknown>, format, e.binary(format, rows, rows.length * 256));
    },
  };
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();

/** The distinct (resource, day) pairs of a batch; rows of one resource arrive together. */
function distinctResources(rows: readonly SpanRow[]): DayResource[] {
  const out = new Map<string, DayResource>();
  let last: ResourceRow | undefined;
  let lastDay = -1;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const day = dayOf(r.timestamp);
    if (r.resource === last && day === lastDay) continue;
    last = r.resource;
    lastDay = day;
    const id = last.resource_key + ':' + day;
    if (!out.has(id)) out.set(id, { ...last, day });
  }
  return [...out.values()];
}

/** UTC day of a ns timestamp (decimal string), exact: whole seconds are exact as a double. */
export function dayOf(ns: string): number {
  return ns.length > 9 ? Math.floor(Number(ns.slice(0, -9)) / 86400) : 0;
}

/** One way into the engine: an embedded connection (with its binary inserter), or the server client. */
interface Lane {
  chdb?: import('chdb/connection').ChdbExtension;
  binary?: ChdbBinaryInserter;
}

/** The lanes of a target, handed to one commit at a time each (a server has one shared lane: its client pools). */
function laneSet(t: WriterTarget) {
  const conns = t.chdb === undefined ? [] : Array.isArray(t.chdb) ? t.chdb : [t.chdb];
  const all: Lane[] = conns.length ? conns.map((chdb) => ({ chdb, binary: chdbBinaryInserter(chdb) })) : [{}];
  const free = [...all];
  const waiting: Array<(l: Lane) => void> = [];
  const shared = conns.length === 0;
  return {
    first: all[0]!,
    size: shared ? 1 : all.length,
    async take(): Promise<Lane> {
      if (shared) return all[0]!;
      const l = free.pop();
      if (l) return l;
      return new Promise<Lane>((resolve) => waiting.push(resolve));
    },
    give(l: Lane): void {
      if (shared) return;
      const next = waiting.shift();
      if (next) next(l);
      else free.push(l);
    },
    close(): void {
      for (const l of all) l.binary?.close();
    },
  };
}

async function insertBody(t: WriterTarget, lane: Lane, enc: TableEncoding<unknown>, format: InsertFormat, body: Buffer): Promise<void> {
  if (body.length === 0) return;
  const table = `${t.database}.${enc.table}`;
  if (format !== 'JSONEachRow') {
    if (lane.binary) return lane.binary.insert(table, enc.columns, body, format);
    return exec(t.client, `INSERT INTO ${table} ${enc.columnList} FORMAT ${format}`, body, BINARY_SETTINGS);
  }
  if (lane.chdb) {
    // Through @clickhouse/client the chDB connection pastes the body into the SQL text, which cost
    // 2-5× the CPU of the insert itself; rawInsert hands chDB the Buffer.
    await lane.chdb.rawInsert({ table, values: body, format: 'JSONEachRow', settings: JSON_SETTINGS });
    return;
  }
  return exec(t.client, `INSERT INTO ${table} FORMAT JSONEachRow`, body, JSON_SETTINGS);
}

/** An INSERT with `body` as the request body; resolves when the server has committed it. */
async function exec(client: ClickHouseClient, query: string, body: Buffer, settings: Record<string, string | number>): Promise<void> {
  const r = await client.exec({ query, values: Readable.from([body]), clickhouse_settings: settings });
  for await (const _ of r.stream) {
    // an INSERT answers with an empty body; reading it releases the connection
  }
}

/** Can the engine take this binary format the way we send it? One 8-byte row into null(). */
async function probeBinary(t: WriterTarget, binary: ChdbBinaryInserter | undefined, format: BinaryFormat): Promise<boolean> {
  const columns = [{ name: 'x', type: 'UInt64' }];
  const body = tableEncoding<{ x: string }>('null', ['x'], columns).binary(format, [{ x: '1' }], 64);
  try {
    if (binary) await binary.insert(`FUNCTION null('x UInt64')`, columns, body, format);
    else await exec(t.client, `INSERT INTO FUNCTION null('x UInt64') FORMAT ${format}`, body, BINARY_SETTINGS);
    return true;
  } catch {
    return false;
  }
}
