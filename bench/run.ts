// npm run bench — ingest throughput, the engine's own limit, decode speed, query latency at scale
// and overload behaviour, in one run on this machine; prints a table and writes docs/benchmarks.md
// (the generated part between the bench markers; text outside them is kept).
//   npm run bench [-- --quick] [--spans N] [--overload-seconds S] [--out FILE] [--profile DIR] …
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startChild } from './child.js';
import { measureDecode, type DecodeResult } from './decode.js';
import { measureIngest, measureOverload, startEventscopeChild, type IngestResult, type OverloadResult } from './ingest.js';
import type { LimitOptions, LimitResult } from './limit.js';
import type { QueryOptions, ScaleResult } from './queries.js';
import { renderReport, renderTable, type BenchReport } from './report.js';
import { buildPool, stampRound } from './workload.js';

const ROOT = path.resolve(import.meta.dirname, '..');

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    spans: { type: 'string' },
    'grpc-spans': { type: 'string' },
    'limit-spans': { type: 'string' },
    'rowbinary-spans': { type: 'string' },
    concurrency: { type: 'string' },
    'query-scales': { type: 'string' },
    'query-runs': { type: 'string' },
    'overload-seconds': { type: 'string' },
    'decode-seconds': { type: 'string' },
    out: { type: 'string' },
    profile: { type: 'string' },
    only: { type: 'string' },
    render: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(`npm run bench -- [options]
  --quick                 small smoke run (prints only, unless --out is given)
  --spans N               spans per HTTP ingest run (default 2000000)
  --grpc-spans N          spans for the gRPC run (default spans/8)
  --limit-spans N         spans inserted the collector's way for the limit (default min(spans, 500000))
  --rowbinary-spans N     spans inserted as RowBinary, for information (default 200000)
  --concurrency N         concurrent HTTP clients of the main run (default 64; a second run uses 8)
  --query-scales A,B      stored spans for the query runs (default 1000000,10000000)
  --query-runs N          timed runs per query (default 20; a query slower than 15 s in all stops after 3)
  --overload-seconds S    seconds of 2x overload (default 60)
  --out FILE              report file (default docs/benchmarks.md; --quick: none)
  --profile DIR           run the Eventscope child with --cpu-prof into DIR
  --only a,b              run only some sections: decode, ingest, limit, overload, queries
  --render FILE.json      measure nothing: re-render the report of an earlier run (to --out)`);
  process.exit(0);
}

const quick = args.quick!;
const int = (v: string | undefined, def: number) => (v === undefined ? def : Math.round(Number(v.replace(/_/g, ''))));
const spans = int(args.spans, quick ? 100_000 : 2_000_000);
const opts = {
  spans,
  grpcSpans: int(args['grpc-spans'], Math.round(spans / 8)),
  limitSpans: int(args['limit-spans'], Math.min(spans, 500_000)),
  rowBinarySpans: int(args['rowbinary-spans'], quick ? 40_000 : 200_000),
  concurrency: int(args.concurrency, 64),
  scales: (args['query-scales'] ?? (quick ? '100000,300000' : '1000000,10000000')).split(',').map((s) => int(s, 0)),
  queryRuns: int(args['query-runs'], quick ? 5 : 20),
  overloadSeconds: int(args['overload-seconds'], quick ? 15 : 60),
  decodeSeconds: int(args['decode-seconds'], quick ? 2 : 5),
  out: args.out ?? (quick ? undefined : 'docs/benchmarks.md'),
  only: new Set((args.only ?? 'decode,ingest,limit,overload,queries').split(',')),
};
for (const [k, v] of Object.entries(opts)) {
  if (typeof v === 'number' && !(v >= 0)) throw new Error(`--${k}: expected a number`);
}

const POOL = { traces: 4_000, spansPerRequest: 500 };
const BATCH_SPANS = 20_000; // the collector's default EVENTSCOPE_BATCH_MAX_SPANS
// More requests on the wire than the collector's queue holds (200,000 spans = 400 requests by
// default), so an overload reaches the queue limit instead of waiting in the clients.
const OVERLOAD_IN_FLIGHT = 600;

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

function gitDirty(): string[] {
  try {
    return execSync('git status --porcelain --untracked-files=no -- collector lib scripts', { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
  } catch {
    return [];
  }
}

function machine() {
  const cpuModel = os.cpus()[0]?.model ?? 'unknown';
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {}
  return {
    cores: os.cpus().length,
    cpuModel,
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    commit,
    loadBefore: os.loadavg(),
    // measured code may differ from the commit while others work in the same checkout
    uncommitted: gitDirty(),
  };
}

async function main() {
  if (args.render) {
    const report = JSON.parse(fs.readFileSync(args.render, 'utf8')) as BenchReport;
    console.log(renderTable(report));
    const file = path.resolve(ROOT, args.out ?? 'docs/benchmarks.md');
    fs.writeFileSync(file, renderReport(report, fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined));
    log(`rendered ${path.relative(ROOT, file)}`);
    return;
  }
  const started = new Date();
  const t0 = performance.now();
  const report: BenchReport = {
    date: started.toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
    machine: { ...machine(), clickhouse: 'unknown', loadAfter: [] },
    options: { ...opts, only: [...opts.only], pool: POOL, batchSpans: BATCH_SPANS },
    ingest: [],
    totalS: 0,
  };
  const startNs = BigInt(Date.now()) * 1_000_000n;
  log(`building the request pool (${POOL.traces} traces, ${POOL.spansPerRequest} spans per request)`);
  const pool = buildPool({ ...POOL, startNs });
  log(`pool: ${pool.requests.length} requests, ${pool.spansPerRound} spans, ${(pool.requests[0]!.body.length / 1024).toFixed(0)} KiB each`);

  if (opts.only.has('decode')) {
    log(`decode: ${opts.decodeSeconds} s on one request`);
    // a request with messaging spans and links (the consumers' service)
    const sample = pool.requests.find((r) => r.body.includes('messaging.consumer.group.name')) ?? pool.requests[0]!;
    report.decode = measureDecode(stampRound(sample, 1), opts.decodeSeconds);
    log(`decode: ${report.decode.mbPerCpuSecond.toFixed(0)} MB/s per CPU-second`);
  }

  let sustainable = 0;
  if (opts.only.has('ingest')) {
    const env: Record<string, string> = {};
    if (args.profile) {
      fs.mkdirSync(args.profile, { recursive: true });
      env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${path.resolve(args.profile)}`.trim();
    }
    const es = await startEventscopeChild(env);
    report.machine.clickhouse = es.version;
    try {
      log(`ingest: ${opts.spans} spans over OTLP/HTTP protobuf, ${opts.concurrency} clients`);
      const http = await measureIngest({ es, pool, transport: 'http', spans: opts.spans, concurrency: opts.concurrency, roundBase: 1 });
      report.ingest.push(http);
      sustainable = http.spansPerSecond;
      log(`ingest http: ${Math.round(http.spansPerSecond)} spans/s, lost ${http.lost}, duplicates ${http.duplicates}`);
      // Few clients: each waits for its batch to commit (ack after commit, flush interval), so the
      // rate is bounded by latency rather than by the collector's capacity.
      const fewSpans = Math.round(opts.spans / 20);
      log(`ingest: ${fewSpans} spans over OTLP/HTTP protobuf, 8 clients`);
      const few = await measureIngest({ es, pool, transport: 'http', spans: fewSpans, concurrency: 8, roundBase: 50_000 });
      report.ingest.push(few);
      log(`ingest http (8 clients): ${Math.round(few.spansPerSecond)} spans/s, lost ${few.lost}, duplicates ${few.duplicates}`);
      if (opts.grpcSpans > 0) {
        log(`ingest: ${opts.grpcSpans} spans over OTLP/gRPC, ${opts.concurrency} concurrent calls on one channel`);
        const grpc = await measureIngest({ es, pool, transport: 'grpc', spans: opts.grpcSpans, concurrency: opts.concurrency, roundBase: 100_000 });
        report.ingest.push(grpc);
        log(`ingest grpc: ${Math.round(grpc.spansPerSecond)} spans/s, lost ${grpc.lost}, duplicates ${grpc.duplicates}`);
      }
    } finally {
      await es.stop();
    }
  }

  if (opts.only.has('limit')) {
    log(`limit: ${opts.limitSpans} spans via store.insertSpans, ${opts.rowBinarySpans} as RowBinary, batches of ${BATCH_SPANS}`);
    const limitOpts: LimitOptions = {
      pool: { ...POOL, startNs: startNs.toString() },
      spans: opts.limitSpans,
      rowBinarySpans: opts.rowBinarySpans,
      batchSpans: BATCH_SPANS,
    };
    const child = startChild('limit.ts', [JSON.stringify(limitOpts)]);
    try {
      report.limit = (await child.ready) as LimitResult;
    } finally {
      await child.stop();
    }
    log(`limit: ${report.limit.runs.map((r) => `${r.format} ${Math.round(r.spansPerSecond)} spans/s`).join('; ')}`);
  }

  if (opts.only.has('overload') && opts.overloadSeconds > 0) {
    const rate = 2 * (sustainable || 20_000);
    log(`overload: ${Math.round(rate)} spans/s offered (2× ${Math.round(sustainable)}) for ${opts.overloadSeconds} s, fresh Eventscope`);
    report.overload = await measureOverload({ pool, spansPerSecond: rate, seconds: opts.overloadSeconds, maxInFlight: OVERLOAD_IN_FLIGHT, roundBase: 200_000, log });
    log(`overload: acked ${report.overload.ackedSpans}, lost ${report.overload.lost}, refused ${JSON.stringify(report.overload.refused)}, RSS flat ${report.overload.flat}`);
  }

  if (opts.only.has('queries')) {
    log(`queries: ${opts.scales.join(' then ')} spans, ${opts.queryRuns} runs per query`);
    const child = startChild('queries.ts', [JSON.stringify({ scales: opts.scales, runs: opts.queryRuns } satisfies QueryOptions)]);
    try {
      report.queries = (await child.ready) as ScaleResult[];
    } finally {
      await child.stop();
    }
  }

  report.machine.loadAfter = os.loadavg();
  report.totalS = (performance.now() - t0) / 1000;
  console.log('\n' + renderTable(report));
  if (opts.out) {
    const file = path.resolve(ROOT, opts.out);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    fs.writeFileSync(file, renderReport(report, previous));
    // the raw figures, for --render and for comparing runs
    const json = path.join(ROOT, 'bench', 'results', `${path.basename(file, '.md')}.json`);
    fs.mkdirSync(path.dirname(json), { recursive: true });
    fs.writeFileSync(json, JSON.stringify(report, null, 1) + '\n');
    log(`wrote ${path.relative(ROOT, file)} and ${path.relative(ROOT, json)} in ${report.totalS.toFixed(0)} s`);
  } else log(`done in ${report.totalS.toFixed(0)} s (no report file; use --out FILE)`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

export type { DecodeResult, IngestResult, OverloadResult };
