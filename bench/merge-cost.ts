// The engine's merge cost on the write path (docs/benchmarks.md, fifth session): the bench workload's
// rows inserted with store.insertSpans into a fresh store in batches like the collector's, then the
// merges waited for; prints the CPU per 1M spans of inserts and of inserts + merges, the bytes merged
// and each table's parts and average level.
//   npx tsx bench/merge-cost.ts                         N=1000000 B=12000 (defaults)
//   MODE=stop npx tsx bench/merge-cost.ts               merges stopped: the inserts alone
//   SET=merge_selector_base=5 npx tsx bench/merge-cost.ts   a MergeTree setting on every table first
//   ONLY=spans npx tsx bench/merge-cost.ts              merges on one table only
//   PRE='ALTER TABLE DB.messaging_spans DROP INDEX idx_trace_id'   statements (;;-separated, DB. = the database) first
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { loadConfig } from '../lib/config/index.js';
import { openStore } from '../lib/store/index.js';
import { batches, cpuNow, poolRows } from '../bench/rows.js';
const N = Number(process.env.N ?? 1_000_000), B = Number(process.env.B ?? 12_000);
const MODE = process.env.MODE ?? 'normal'; // normal | stop
const SET = process.env.SET ?? ''; // e.g. merge_selector_base=10
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-merge-'));
const store = await openStore(loadConfig({ EVENTSCOPE_DATA_DIR: dataDir }));
const db = store.database;
const tables = (await store.query<{ name: string }>(`SELECT name FROM system.tables WHERE database={db:String} AND engine LIKE '%MergeTree'`, { name: 'bench:tables', params: { db } })).map((t) => t.name);
if (SET) for (const t of tables) await store.command(`ALTER TABLE ${db}.${t} MODIFY SETTING ${SET}`);
for (const st of (process.env.PRE ?? '').split(';;').filter(Boolean)) await store.command(st.replaceAll('DB.', db + '.'));
if (MODE === 'stop') await store.command(`SYSTEM STOP MERGES`);
const ONLY = process.env.ONLY ?? '';
if (ONLY) for (const t of tables) if (t !== ONLY) await store.command(`SYSTEM STOP MERGES ${db}.${t}`);
const rows = poolRows({ traces: 4000, spansPerRequest: 500, startNs: (BigInt(Date.now() - 3600_000) * 1000000n).toString() });
const ev = async () => Object.fromEntries((await store.query<{ event: string; value: string }>(`SELECT event, value FROM system.events WHERE event IN ('Merge','MergedUncompressedBytes','MergeTotalMilliseconds','MergesTimeMilliseconds','UserTimeMicroseconds','SystemTimeMicroseconds')`, { name: 'bench:events' })).map((r) => [r.event, Number(r.value)]));
const e0 = await ev();
const c0 = cpuNow(); const t0 = performance.now();
let ins = 0;
for (const b of batches(rows, N, B)) { await store.insertSpans(b); ins++; }
const cIns = cpuNow() - c0; const tIns = (performance.now() - t0) / 1000;
// wait for merges to settle
let quiet = 0;
while (quiet < 3 && MODE !== 'stop') { const [m] = await store.query<{ n: string }>(`SELECT count() AS n FROM system.merges WHERE database = {db:String}`, { name: 'bench:merges', params: { db } }); quiet = Number(m!.n) === 0 ? quiet + 1 : 0; await new Promise((r) => setTimeout(r, 500)); }
const cAll = cpuNow() - c0; const tAll = (performance.now() - t0) / 1000;
const e1 = await ev();
const parts = await store.query<{ table: string; p: string; lvl: string }>(`SELECT table, count() AS p, round(avg(level),1) AS lvl FROM system.parts WHERE database={db:String} AND active GROUP BY table ORDER BY table`, { name: 'bench:tables', params: { db } });
const d = (k: string) => (e1[k] ?? 0) - (e0[k] ?? 0);
console.log(JSON.stringify({ MODE, SET, N, B, inserts: ins, insertWall: +tIns.toFixed(1), insertCpuPerM: +(cIns / (N / 1e6)).toFixed(1), allWall: +tAll.toFixed(1), allCpuPerM: +(cAll / (N / 1e6)).toFixed(1), merges: d('Merge'), mergedMiB: Math.round(d('MergedUncompressedBytes') / 2 ** 20), mergeMs: d('MergeTotalMilliseconds') }));
console.log(parts.map((p) => `${p.table}:${p.p}p/L${p.lvl}`).join(' '));
await store.close?.();
fs.rmSync(dataDir, { recursive: true, force: true });
