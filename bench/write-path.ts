// The write path measured alone (issue 9): the same realistic span rows (bench/workload.ts, decoded by
// the collector's decoder) inserted in batches of 20,000 into a fresh embedded store, one case per
// child process (chDB binds one data folder per process):
//   old-json      the previous schema (generation 1, from git) and its JSONEachRow insert
//   old-rowbinary the previous schema, RowBinary (read by the engine from a tmpfs file)
//   lean          this schema (spans + resources), RowBinary through Store.prepareSpans/commitSpans
//   lean-json     this schema, JSONEachRow
//   lean-no-<mv>  this schema with one materialized view dropped (its share of the insert cost)
//   lean-no-mvs   this schema with every MV dropped (the spans table alone)
//   old-no-projection  the previous schema without its by_trace projection
//   lean-types-string  attribute_types as one compact String instead of a Map (the type-map question)
// CPU is the whole process (the engine runs in it) over the timed inserts only; encode is the JS part.
//   npx tsx bench/write-path.ts [--spans N] [--cases a,b,…] [--repeat N]
import { execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { loadConfig } from '../lib/config/index.js';
import { openStore } from '../lib/store/index.js';
import { MIGRATIONS_DIR, renderMigration } from '../lib/store/migrate.js';
import { chdbBinaryInserter } from '../lib/store/chdb-binary.js';
import { RowBinaryWriter, nsToDateTime64, tableEncoding, type Column } from '../lib/store/rowbinary.js';
import { SPAN_RESOURCE_FIELDS, type SpanRow } from '../lib/store/rows.js';
import { decodeProtoTraces } from '../collector/otlp/proto.js';
import { buildPool } from './workload.js';

const BATCH = 20_000;
/** the last commit with the generation-1 schema (spans with resource maps, by_trace projection) */
const OLD_SCHEMA_COMMIT = 'b57f693';
const LEAN_MVS = ['trace_index_mv', 'span_links_mv', 'call_spans_mv', 'messaging_spans_mv', 'publish_keys_mv'];

interface CaseResult {
  case: string;
  spans: number;
  wallS: number;
  spansPerSecond: number;
  cpuUsPerSpan: number;
  encodeUsPerSpan: number;
  bytesPerSpan: number;
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return c.user + c.system; // µs
};

function rows(total: number): SpanRow[][] {
  const pool = buildPool({ traces: 2_000, spansPerRequest: 500, startNs: BigInt(Date.now() - 3_600_000) * 1_000_000n });
  const poolRows = pool.requests.flatMap((r) => decodeProtoTraces(r.body).rows);
  const out: SpanRow[][] = [];
  let round = 1;
  let i = 0;
  for (let sent = 0; sent < total; sent += BATCH) {
    const n = Math.min(BATCH, total - sent);
    const batch: SpanRow[] = new Array(n);
    for (let k = 0; k < n; k++) {
      if (i === poolRows.length) {
        i = 0;
        round++;
      }
      const r = poolRows[i++]!;
      const prefix = round.toString(16).padStart(8, '0');
      batch[k] = stamped(r, prefix + r.trace_id.slice(8), r['links.trace_id'].map((t) => prefix + t.slice(8)));
    }
    out.push(batch);
  }
  return out;
}

// Rows are built as literals with every field in the decoder's order, so all rows share one hidden
// class as the decoder's do (a spread copy gets its own and makes every later access slow).
function stamped(r: SpanRow, traceId: string, linkTraceIds: string[]): SpanRow {
  return {
    timestamp: r.timestamp, duration_ns: r.duration_ns, trace_id: traceId, span_id: r.span_id, parent_span_id: r.parent_span_id,
    trace_state: r.trace_state, flags: r.flags, span_name: r.span_name, span_kind: r.span_kind, service_name: r.service_name,
    host: r.host, resource: r.resource, scope_name: r.scope_name, scope_version: r.scope_version, span_attributes: r.span_attributes,
    attribute_types: r.attribute_types, status_code: r.status_code, status_message: r.status_message,
    'events.timestamp': r['events.timestamp'], 'events.name': r['events.name'], 'events.attributes': r['events.attributes'],
    'links.trace_id': linkTraceIds, 'links.span_id': r['links.span_id'], 'links.trace_state': r['links.trace_state'],
    'links.attributes': r['links.attributes'], dropped_attributes_count: r.dropped_attributes_count,
    dropped_events_count: r.dropped_events_count, dropped_links_count: r.dropped_links_count, msg_system: r.msg_system, msg_operation: r.msg_operation,
    msg_destination: r.msg_destination, msg_partition: r.msg_partition, msg_offset: r.msg_offset, msg_message_id: r.msg_message_id,
    msg_consumer_group: r.msg_consumer_group, msg_key: r.msg_key, msg_conversation_id: r.msg_conversation_id,
    msg_message_type: r.msg_message_type, msg_redelivered: r.msg_redelivered, msg_housekeeping: r.msg_housekeeping, peer_name: r.peer_name, peer_kind: r.peer_kind,
  };
}

/** A row in the generation-1 shape: resource and scope attributes and all types on every span (as its decoder built them). */
function oldRow(r: SpanRow): Record<string, unknown> {
  const types: Record<string, string> = {};
  for (const k in r.resource.attribute_types) types[k] = r.resource.attribute_types[k]!;
  for (const k in r.attribute_types) types[k] = r.attribute_types[k]!;
  return {
    timestamp: r.timestamp, duration_ns: r.duration_ns, trace_id: r.trace_id, span_id: r.span_id, parent_span_id: r.parent_span_id,
    trace_state: r.trace_state, flags: r.flags, span_name: r.span_name, span_kind: r.span_kind, service_name: r.service_name,
    host: r.host, resource_attributes: r.resource.resource_attributes, scope_name: r.scope_name, scope_version: r.scope_version,
    scope_attributes: r.resource.scope_attributes, span_attributes: r.span_attributes, attribute_types: types,
    status_code: r.status_code, status_message: r.status_message,
    'events.timestamp': r['events.timestamp'], 'events.name': r['events.name'], 'events.attributes': r['events.attributes'],
    'links.trace_id': r['links.trace_id'], 'links.span_id': r['links.span_id'], 'links.trace_state': r['links.trace_state'],
    'links.attributes': r['links.attributes'], msg_system: r.msg_system, msg_operation: r.msg_operation,
    msg_destination: r.msg_destination, msg_partition: r.msg_partition, msg_offset: r.msg_offset, msg_message_id: r.msg_message_id,
    msg_consumer_group: r.msg_consumer_group, msg_key: r.msg_key, msg_conversation_id: r.msg_conversation_id,
    msg_message_type: r.msg_message_type, msg_redelivered: r.msg_redelivered, msg_housekeeping: r.msg_housekeeping, peer_name: r.peer_name, peer_kind: r.peer_kind,
  };
}

/** The old store's JSONEachRow encoding, as it was. */
function oldJson(rows: Record<string, unknown>[]): Buffer {
  let text = '';
  for (const row of rows) {
    const events = row['events.timestamp'] as string[];
    text += JSON.stringify({ ...row, timestamp: nsToDateTime64(row.timestamp as string), 'events.timestamp': events.length === 0 ? events : events.map(nsToDateTime64) }) + '\n';
  }
  return Buffer.from(text);
}

/** attribute_types as one String: "<code><key>\x1f…" (i int, d double, b bool, y bytes, a array, k kvlist). */
function compactTypes(types: Record<string, string>): string {
  let s = '';
  for (const k in types) s += (s ? '\x1f' : '') + types[k]![0] + k;
  return s;
}

function checkCount(name: string, stored: number, total: number): void {
  if (stored !== total) throw new Error(`${name}: ${stored} spans stored of ${total} inserted`);
}

async function runCase(name: string, total: number): Promise<CaseResult> {
  const batches = rows(total);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-write-path-'));
  try {
    if (name.startsWith('old')) {
      try {
        const r = await runOld(name, batches, dir);
        const res = await chdbFor(dir).queryAsync('SELECT count() AS n FROM eventscope.spans', { format: 'JSONEachRow' });
        checkCount(name, Number(JSON.parse(res.text()).n), total);
        return r;
      } finally {
        await closeChdb(dir);
      }
    }
    const store = await openStore(loadConfig({ EVENTSCOPE_DATA_DIR: dir }));
    try {
      const db = store.database;
      const drop = name === 'lean-no-mvs' ? LEAN_MVS : name.startsWith('lean-no-') ? [name.slice('lean-no-'.length)] : [];
      for (const mv of drop) await store.command(`DROP VIEW IF EXISTS ${db}.${mv}`);
      if (name === 'lean-types-string' || name === 'lean-types-map') {
        // the spans table alone (no MVs), with attribute_types as a Map or as a compact String
        for (const mv of LEAN_MVS) await store.command(`DROP VIEW IF EXISTS ${db}.${mv}`);
        if (name === 'lean-types-string') {
          await store.command(`ALTER TABLE ${db}.spans DROP COLUMN attribute_types`);
          await store.command(`ALTER TABLE ${db}.spans ADD COLUMN attribute_types String CODEC(ZSTD(1)) AFTER span_attributes`);
        }
        const cols = await store.query<Column & { default_kind: string }>(
          `SELECT name, type, default_kind FROM system.columns WHERE database = {db:String} AND table = 'spans' ORDER BY position`,
          { name: 'bench:columns', params: { db } },
        );
        const string = name === 'lean-types-string';
        const enc = tableEncoding<SpanRow>('spans', cols.map((c) => c.name), cols, { ...SPAN_RESOURCE_FIELDS, ...(string ? { attribute_types: 'compact_types' } : {}) });
        const binary = chdbBinaryInserter(chdbFor(dir));
        return await timed(name, batches, (b) => {
          const input = string ? b.map((r) => Object.assign(stamped(r, r.trace_id, r['links.trace_id']), { compact_types: compactTypes(r.attribute_types) })) : b;
          const t0 = performance.now();
          const w = new RowBinaryWriter(b.length * 1200);
          enc.rowBinary(input, w);
          return { encodeMs: performance.now() - t0, bytes: w.pos, commit: () => binary.insert(`${db}.spans`, enc.columns, w.bytes()) };
        });
      }
      if (name === 'lean-json') {
        // the same writer, forced to JSONEachRow
        const { createSpanWriter } = await import('../lib/store/writer.js');
        const writer = await createSpanWriter(targetOf(store, dir), { format: 'JSONEachRow' });
        return await timed(name, batches, (b) => {
          const t0 = performance.now();
          const p = writer.prepare(b);
          return { encodeMs: performance.now() - t0, bytes: p.body.length, commit: () => writer.commit(p) };
        });
      }
      const r = await timed(name, batches, (b) => {
        const t0 = performance.now();
        const p = store.prepareSpans(b);
        return { encodeMs: performance.now() - t0, bytes: p.body.length, commit: () => store.commitSpans(p) };
      }, name === 'lean-concurrent2' ? 2 : 1);
      const [c] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${db}.spans`, { name: 'bench:count' });
      checkCount(name, Number(c!.n), total);
      return r;
    } finally {
      await closeChdb(dir);
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

// The store keeps its chDB handle private; the measurement opens its own connection to the same
// folder (same-folder connections share one engine) where it needs the raw entry.
type ChdbConnection = ReturnType<typeof import('chdb/connection').createChdbConnection>;
const chdbConnections = new Map<string, ChdbConnection>();
function chdbFor(dir: string): import('chdb/connection').ChdbExtension {
  let c = chdbConnections.get(dir);
  if (!c) {
    const { createChdbConnection } = createRequire(import.meta.url)('chdb/connection') as typeof import('chdb/connection');
    c = createChdbConnection({ path: dir });
    chdbConnections.set(dir, c);
  }
  return c.chdb;
}
async function closeChdb(dir: string): Promise<void> {
  await chdbConnections.get(dir)?.close();
  chdbConnections.delete(dir);
}
function targetOf(store: Awaited<ReturnType<typeof openStore>>, dir: string) {
  return {
    database: store.database,
    client: store.client,
    chdb: chdbFor(dir),
    columns: (table: string) =>
      store.query<Column & { default_kind: string }>(
        `SELECT name, type, default_kind FROM system.columns WHERE database = {db:String} AND table = {table:String} ORDER BY position`,
        { name: 'bench:columns', params: { db: store.database, table } },
      ),
  };
}

async function runOld(name: string, batches: SpanRow[][], dir: string): Promise<CaseResult> {
  const chdb = chdbFor(dir);
  const files = execFileSync('git', ['ls-tree', '--name-only', `${OLD_SCHEMA_COMMIT}:lib/store/migrations`], { encoding: 'utf8' }).trim().split('\n');
  await chdb.queryAsync('CREATE DATABASE IF NOT EXISTS eventscope');
  for (const f of files.filter((f) => f.endsWith('.sql')).sort()) {
    const sql = execFileSync('git', ['show', `${OLD_SCHEMA_COMMIT}:lib/store/migrations/${f}`], { encoding: 'utf8' });
    for (const s of renderMigration(sql, { database: 'eventscope', ttlDays: 7 })) await chdb.queryAsync(s);
  }
  if (name === 'old-no-projection') await chdb.queryAsync('ALTER TABLE eventscope.spans DROP PROJECTION by_trace');
  const res = await chdb.queryAsync(`SELECT name, type FROM system.columns WHERE database = 'eventscope' AND table = 'spans' ORDER BY position`, { format: 'JSONEachRow' });
  const cols = res.text().trim().split('\n').map((l) => JSON.parse(l) as Column);
  const enc = tableEncoding<Record<string, unknown>>('spans', cols.map((c) => c.name), cols);
  const binary = chdbBinaryInserter(chdb);
  const shaped = batches.map((b) => b.map(oldRow));
  let k = 0;
  return timed(name, batches, () => {
    const b = shaped[k++]!;
    const t0 = performance.now();
    if (name === 'old-json') {
      const body = oldJson(b);
      return {
        encodeMs: performance.now() - t0,
        bytes: body.length,
        commit: () =>
          chdb.rawInsert({ table: 'eventscope.spans', values: body, format: 'JSONEachRow', settings: { async_insert: 0, input_format_skip_unknown_fields: 0, date_time_input_format: 'basic' } }).then(() => {}),
      };
    }
    const w = new RowBinaryWriter(b.length * 2000);
    enc.rowBinary(b, w);
    return { encodeMs: performance.now() - t0, bytes: w.pos, commit: () => binary.insert('eventscope.spans', enc.columns, w.bytes()) };
  });
}

async function timed(
  name: string,
  batches: SpanRow[][],
  step: (b: SpanRow[]) => { encodeMs: number; bytes: number; commit: () => Promise<void> },
  /** inserts in flight at once (each group of this many batches is committed together) */
  inFlight = 1,
): Promise<CaseResult> {
  let wall = 0;
  let cpu = 0;
  let encode = 0;
  let bytes = 0;
  let spans = 0;
  for (let i = 0; i < batches.length; i += inFlight) {
    const group = batches.slice(i, i + inFlight);
    const t0 = performance.now();
    const c0 = cpuNow();
    const steps = group.map(step);
    await Promise.all(steps.map((s) => s.commit()));
    wall += performance.now() - t0;
    cpu += cpuNow() - c0;
    for (const s of steps) {
      encode += s.encodeMs;
      bytes += s.bytes;
    }
    for (const b of group) spans += b.length;
  }
  return {
    case: name,
    spans,
    wallS: wall / 1000,
    spansPerSecond: Math.round(spans / (wall / 1000)),
    cpuUsPerSpan: cpu / spans,
    encodeUsPerSpan: (encode * 1000) / spans,
    bytesPerSpan: Math.round(bytes / spans),
  };
}

// ── parent ──

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const { name, spans } = JSON.parse(args[1]!) as { name: string; spans: number };
    const r = await runCase(name, spans);
    process.send!(r);
    return;
  }
  const opt = (flag: string, d: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1]! : d;
  };
  const spans = Number(opt('--spans', '300000'));
  const repeat = Number(opt('--repeat', '1'));
  const cases = opt('--cases', ['old-json', 'old-rowbinary', 'lean', 'lean-json', 'old-no-projection', ...LEAN_MVS.map((m) => `lean-no-${m}`), 'lean-no-mvs', 'lean-types-map', 'lean-types-string'].join(',')).split(',');
  const results: CaseResult[] = [];
  for (let r = 0; r < repeat; r++) {
    for (const name of cases) {
      const result = await new Promise<CaseResult>((resolve, reject) => {
        const child = fork(import.meta.filename, ['--child', JSON.stringify({ name, spans })], { execArgv: ['--import', 'tsx'] });
        child.once('message', (m) => resolve(m as CaseResult));
        child.once('exit', (code) => code !== 0 && reject(new Error(`${name}: child exited ${code}`)));
      });
      results.push(result);
      console.log(
        `${result.case.padEnd(30)} ${String(result.spansPerSecond).padStart(8)} spans/s  ${result.cpuUsPerSpan.toFixed(1).padStart(6)} CPU-µs/span  ` +
          `encode ${result.encodeUsPerSpan.toFixed(2).padStart(5)} µs/span  ${String(result.bytesPerSpan).padStart(5)} B/span`,
      );
    }
  }
  fs.mkdirSync(path.join(import.meta.dirname, 'out'), { recursive: true });
  fs.writeFileSync(path.join(import.meta.dirname, 'out', 'write-path.json'), JSON.stringify(results, null, 2));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
