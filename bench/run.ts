// npm run bench — ingest throughput, the engine's own limit and where a span's CPU goes, the same
// spans in the OpenTelemetry Collector ClickHouse exporter's schema, one SDK process, decode speed,
// query latency at scale and overload behaviour, in one run on this machine; prints a table and
// writes docs/benchmarks.md (the generated part between the bench markers; text outside them is kept).
//   npm run bench [-- --quick] [--spans N] [--only a,b] [--out FILE] …   (--help lists every option)
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startChild } from './child.js';
import { measureDecode, type DecodeResult } from './decode.js';
import { describeStoreTime, measureIngest, measureOverload, measureSdk, startEventscopeChild, type IngestResult, type OverloadResult, type SdkRun } from './ingest.js';
import type { LimitOptions, LimitResult } from './limit.js';
import type { OtelOptions, OtelResult } from './otel.js';
import type { QueryOptions, ScaleResult } from './queries.js';
import { renderReport, renderTable, type BenchReport } from './report.js';
import { buildPool, stampRound } from './workload.js';
import { ALLOCATOR_ENV, withAllocatorEnv } from '../lib/allocator.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SECTIONS = ['decode', 'ingest', 'limit', 'otel', 'sdk', 'overload', 'queries'];
// The code before the write-path work of issue 9 (interval batching, JSONEachRow): the SDK section's
// 'before' when the collector has no setting that restores interval batching.
const BEFORE_REF = 'b57f693';

// `npm run bench -- ui`: the dashboard's responsiveness in a browser, a bench of its own (bench/ui.ts)
if (process.argv[2] === 'ui') {
  await import('./ui.js');
  process.exit(0);
}

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    spans: { type: 'string' },
    'few-spans': { type: 'string' },
    'grpc-spans': { type: 'string' },
    'limit-spans': { type: 'string' },
    'rowbinary-spans': { type: 'string' },
    'stage-spans': { type: 'string' },
    'otel-spans': { type: 'string' },
    'sdk-seconds': { type: 'string' },
    'sdk-spans': { type: 'string' },
    'sdk-before': { type: 'string' },
    concurrency: { type: 'string' },
    'query-scales': { type: 'string' },
    'query-runs': { type: 'string' },
    'pairing-cadence-spans': { type: 'string' },
    'overload-seconds': { type: 'string' },
    'overload-rate': { type: 'string' },
    'decode-seconds': { type: 'string' },
    out: { type: 'string' },
    profile: { type: 'string' },
    only: { type: 'string' },
    render: { type: 'string' },
    'write-path': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(`npm run bench -- [options]      (a full run takes about 25 minutes on 2 cores, more under load; --quick about 6)
  --quick                 small smoke run: sizes below in [brackets] (prints only, unless --out is given)
  --only a,b              run only some sections: ${SECTIONS.join(', ')}
  sizes (N accepts 1_000_000 or 1e6):
  --spans N               spans of the main ingest run, OTLP/HTTP protobuf (default 2000000 [100000])
  --concurrency N         concurrent clients of the main HTTP and gRPC runs (default 64)
  --grpc-spans N          spans of the gRPC run, same clients (default: --spans, so both rows compare)
  --few-spans N           spans of the 8-client HTTP run (default spans/20; 0 skips it)
  --limit-spans N         spans inserted with store.insertSpans for the limit (default: --spans, so it compares with ingest)
  --rowbinary-spans N     spans inserted as RowBinary with the store's generated encoder straight into chDB,
                          without the store's resources step, for reference (default 0)
  --stage-spans N         spans per target for the per-stage CPU (encode, tables, each view) (default 200000 [40000]; 0 skips)
  --otel-spans N          spans inserted into the OTel exporter's otel_traces schema (default: --spans: the same spans as
                          the ingest run, so both pay for the merges of the same volume)
  --sdk-seconds S         seconds of the one-SDK-process run, per variant (default 30 [5])
  --sdk-spans N           stop the SDK loop after N spans as well (default 0: time only)
  --sdk-before SPEC       the SDK run's 'before' collector: env:K=V[,K=V] (this code with these settings),
                          ref:<git ref> (that commit's code, unpacked to a temp folder), or none
                          (default: env:EVENTSCOPE_BATCH_MIN_SPANS=<batch> if the config has that setting,
                          else ref:${BEFORE_REF}, the code before issue 9's write path)
  --overload-seconds S    seconds of 2x overload (default 60 [15])
  --overload-rate R       offered spans/s of the overload (default 2x the HTTP rate measured, else 40000)
  --query-scales A,B      stored spans for the query runs (default 1000000,10000000 [100000,300000]): cumulative
                          phases of the same system over the same 24 h. After each phase the pairing pass runs to
                          completion over it (its CPU-s per 1M spans is reported); then every query runs, its answer
                          checked for content. First vs last scale is issue 8's growth table (judged when the 1 h
                          window's traffic grows ≈ 10×, e.g. 100000,1000000 for a medium check); its query targets
                          are judged at 10M spans
  --query-runs N          timed runs per query (default 20 [5]; a query slower than 15 s in all stops after 3)
  --pairing-cadence-spans N  after the last scale's queries, N more spans appended in collector-sized batches
                          (20,000 spans) with the pairing pass after each: its cost at the collector's cadence on
                          a full store (default 300000 [100000]; 0 skips)
  --decode-seconds S      one-second rounds of the decode loop (default 5 [2])
  output:
  --out FILE              report file (default docs/benchmarks.md; --quick: none); raw figures go to
                          bench/results/<name>.json
  --profile DIR           run the Eventscope child of the ingest section with --cpu-prof into DIR
  --render FILE.json      measure nothing: re-render the report of an earlier run (to --out)
  --write-path FILE|none  figures of the write-path helper to quote in the report, labelled with their date
                          (default bench/out/write-path.json if present: \`npx tsx bench/write-path.ts\`)
examples:
  npm run bench -- --quick --only ingest,otel          quick look at the ratio (≈ 1 min)
  npm run bench -- --only limit,otel --limit-spans 100000 --otel-spans 100000 --stage-spans 40000
  npm run bench -- --only sdk --sdk-seconds 10
  npm run bench -- --only queries --query-scales 100000,1000000 --out /tmp/q.md   growth ×10 and pairing at 1M (≈ 5 min)`);
  process.exit(0);
}

const quick = args.quick!;
const int = (v: string | undefined, def: number) => (v === undefined ? def : Math.round(Number(v.replace(/_/g, ''))));
const spans = int(args.spans, quick ? 100_000 : 2_000_000);
const opts = {
  spans,
  fewSpans: int(args['few-spans'], Math.round(spans / 20)),
  grpcSpans: int(args['grpc-spans'], spans),
  limitSpans: int(args['limit-spans'], spans),
  rowBinarySpans: int(args['rowbinary-spans'], 0),
  stageSpans: int(args['stage-spans'], quick ? 40_000 : 200_000),
  otelSpans: int(args['otel-spans'], spans),
  sdkSeconds: int(args['sdk-seconds'], quick ? 5 : 30),
  sdkSpans: int(args['sdk-spans'], 0),
  concurrency: int(args.concurrency, 64),
  scales: (args['query-scales'] ?? (quick ? '100000,300000' : '1000000,10000000')).split(',').map((s) => int(s, 0)),
  queryRuns: int(args['query-runs'], quick ? 5 : 20),
  cadenceSpans: int(args['pairing-cadence-spans'], quick ? 100_000 : 300_000),
  overloadSeconds: int(args['overload-seconds'], quick ? 15 : 60),
  overloadRate: int(args['overload-rate'], 0),
  decodeSeconds: int(args['decode-seconds'], quick ? 2 : 5),
  out: args.out ?? (quick ? undefined : 'docs/benchmarks.md'),
  only: new Set((args.only ?? SECTIONS.join(',')).split(',')),
};
for (const [k, v] of Object.entries(opts)) {
  if (typeof v === 'number' && !(v >= 0)) throw new Error(`--${k}: expected a number`);
}
// every child (Eventscope, the limit, the peer's insert) runs with the allocator settings npm start
// gives Eventscope (lib/allocator.ts), unless the environment has its own
Object.assign(process.env, withAllocatorEnv(process.env));
for (const s of opts.only) if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section ${s} (${SECTIONS.join(', ')})`);

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
    allocator: Object.keys(ALLOCATOR_ENV).map((k) => `${k}=${process.env[k] ?? '(unset)'}`).join(' '),
    // measured code may differ from the commit while others work in the same checkout
    uncommitted: gitDirty(),
  };
}

type SdkBefore = { kind: 'none' } | { kind: 'env'; env: Record<string, string>; label: string } | { kind: 'ref'; ref: string; label: string };

/** The SDK section's 'before' collector (see --sdk-before). */
function sdkBefore(): SdkBefore {
  let spec = args['sdk-before'];
  if (spec === undefined) {
    // interval batching as a setting of this code, if the config has one
    const config = fs.readFileSync(path.join(ROOT, 'lib', 'config', 'index.ts'), 'utf8');
    spec = config.includes('EVENTSCOPE_BATCH_MIN_SPANS') ? `env:EVENTSCOPE_BATCH_MIN_SPANS=${BATCH_SPANS}` : `ref:${BEFORE_REF}`;
  }
  if (spec === 'none') return { kind: 'none' };
  if (spec.startsWith('env:')) {
    const env = Object.fromEntries(
      spec
        .slice(4)
        .split(',')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    return { kind: 'env', env, label: `this tree with ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(', ')}` };
  }
  if (spec.startsWith('ref:')) {
    const ref = spec.slice(4);
    const sha = execSync(`git rev-parse --short ${JSON.stringify(ref + '^{commit}')}`, { cwd: ROOT, encoding: 'utf8' }).trim();
    return { kind: 'ref', ref: sha, label: `commit ${sha} (its code and default settings)` };
  }
  throw new Error(`--sdk-before: expected env:K=V[,K=V], ref:<git ref> or none, got ${spec}`);
}

/** A commit's files in a temp folder (git archive: no worktree, no change to the repository), sharing node_modules. */
function unpackRef(ref: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `es-bench-${ref}-`));
  execSync(`git archive --format=tar ${ref} | tar -x -C ${JSON.stringify(dir)}`, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
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
    // --cpu-prof as a flag of the child: Node refuses it in NODE_OPTIONS
    const execArgv: string[] = [];
    if (args.profile) {
      fs.mkdirSync(args.profile, { recursive: true });
      execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(args.profile)}`);
    }
    // each transport gets a fresh collector and store: the second run would otherwise start with the
    // first one's data, its merges still running and its pairing backlog
    const es = await startEventscopeChild({}, 'server.ts', execArgv);
    report.machine.clickhouse = es.version;
    try {
      log(`ingest: ${opts.spans} spans over OTLP/HTTP protobuf, ${opts.concurrency} clients`);
      const http = await measureIngest({ es, pool, transport: 'http', spans: opts.spans, concurrency: opts.concurrency, roundBase: 1 });
      report.ingest.push(http);
      sustainable = http.spansPerSecond;
      log(`ingest http: ${Math.round(http.spansPerSecond)} spans/s, lost ${http.lost}, duplicates ${http.duplicates}`);
      log(`  ${describeStoreTime(http)}`);
      // Few clients: each waits for its batch to commit (ack after commit), so the rate is bounded
      // by latency rather than by the collector's capacity.
      if (opts.fewSpans > 0) {
        log(`ingest: ${opts.fewSpans} spans over OTLP/HTTP protobuf, 8 clients`);
        const few = await measureIngest({ es, pool, transport: 'http', spans: opts.fewSpans, concurrency: 8, roundBase: 50_000 });
        report.ingest.push(few);
        log(`ingest http (8 clients): ${Math.round(few.spansPerSecond)} spans/s, lost ${few.lost}, duplicates ${few.duplicates}`);
      }
    } finally {
      await es.stop();
    }
    if (opts.grpcSpans > 0) {
      const es = await startEventscopeChild({}, 'server.ts', execArgv);
      try {
        log(`ingest: ${opts.grpcSpans} spans over OTLP/gRPC, ${opts.concurrency} concurrent calls on one channel (a fresh collector)`);
        const grpc = await measureIngest({ es, pool, transport: 'grpc', spans: opts.grpcSpans, concurrency: opts.concurrency, roundBase: 100_000 });
        report.ingest.push(grpc);
        log(`ingest grpc: ${Math.round(grpc.spansPerSecond)} spans/s, lost ${grpc.lost}, duplicates ${grpc.duplicates}`);
        log(`  ${describeStoreTime(grpc)}`);
      } finally {
        await es.stop();
      }
    }
  }

  if (opts.only.has('limit')) {
    log(`limit: ${opts.limitSpans} spans via store.insertSpans, ${opts.rowBinarySpans} as RowBinary, batches of ${BATCH_SPANS}; stages on ${opts.stageSpans} spans per target`);
    const limitOpts: LimitOptions = {
      pool: { ...POOL, startNs: startNs.toString() },
      spans: opts.limitSpans,
      rowBinarySpans: opts.rowBinarySpans,
      batchSpans: BATCH_SPANS,
      stageSpans: opts.stageSpans,
    };
    const child = startChild('limit.ts', [JSON.stringify(limitOpts)]);
    try {
      report.limit = (await child.ready) as LimitResult;
    } finally {
      await child.stop();
    }
    log(`limit: ${report.limit.runs.map((r) => `${r.format} ${Math.round(r.spansPerSecond)} spans/s, ${r.cpuSecondsPerMillion.toFixed(1)} CPU-s/M`).join('; ')}`);
    if (report.limit.stages?.errors.length) log(`limit stages: ${report.limit.stages.errors.join('; ')}`);
  }

  if (opts.only.has('otel') && opts.otelSpans > 0) {
    log(`otel_traces: ${opts.otelSpans} spans as JSONEachRow into the OTel Collector ClickHouse exporter's schema, batches of ${BATCH_SPANS}`);
    const child = startChild('otel.ts', [JSON.stringify({ pool: { ...POOL, startNs: startNs.toString() }, spans: opts.otelSpans, batchSpans: BATCH_SPANS } satisfies OtelOptions)]);
    try {
      report.otel = (await child.ready) as OtelResult;
    } finally {
      await child.stop();
    }
    if (report.machine.clickhouse === 'unknown') report.machine.clickhouse = report.otel.version;
    log(`otel_traces: ${Math.round(report.otel.spansPerSecond)} spans/s, ${report.otel.cpuSecondsPerMillion.toFixed(1)} CPU-s/M`);
  }

  if (opts.only.has('sdk') && opts.sdkSeconds > 0) {
    report.sdk = [];
    const runSdk = async (variant: string, collector: string, extra: { env?: Record<string, string>; serverFile?: string } = {}) => {
      log(`sdk (${variant}): one SDK process, default BatchSpanProcessor, ${opts.sdkSeconds} s; collector: ${collector}`);
      const r = await measureSdk({ variant, collector, seconds: opts.sdkSeconds, maxSpans: opts.sdkSpans, ...extra });
      report.sdk!.push(r);
      log(`sdk (${variant}): ${Math.round(r.acknowledgedPerSecond)} spans/s acknowledged, export p50 ${r.exportMs.p50.toFixed(0)} ms, dropped ${r.droppedSpans} of ${r.createdSpans}, lost ${r.lost}`);
    };
    // a 'before' that cannot run (e.g. a shallow clone without the commit) is reported, not fatal
    try {
      const before = sdkBefore();
      if (before.kind === 'env') await runSdk('before', before.label, { env: before.env });
      if (before.kind === 'ref') {
        const tree = unpackRef(before.ref);
        try {
          await runSdk('before', before.label, { serverFile: path.join(tree, 'bench', 'server.ts') });
        } finally {
          fs.rmSync(tree, { recursive: true, force: true });
        }
      }
    } catch (err) {
      report.sdkBeforeError = (err as Error).message.split('\n')[0];
      log(`sdk (before): not measured: ${report.sdkBeforeError}`);
    }
    await runSdk('after', 'this tree, default settings');
  }

  if (opts.only.has('overload') && opts.overloadSeconds > 0) {
    const rate = opts.overloadRate || 2 * (sustainable || 20_000);
    log(`overload: ${Math.round(rate)} spans/s offered (${opts.overloadRate ? 'set' : `2× ${Math.round(sustainable)}`}) for ${opts.overloadSeconds} s, fresh Eventscope`);
    report.overload = await measureOverload({ pool, spansPerSecond: rate, seconds: opts.overloadSeconds, maxInFlight: OVERLOAD_IN_FLIGHT, roundBase: 200_000, log });
    log(`overload: acked ${report.overload.ackedSpans}, lost ${report.overload.lost}, refused ${JSON.stringify(report.overload.refused)}, RSS flat ${report.overload.flat}`);
  }

  if (opts.only.has('queries')) {
    log(`queries: ${opts.scales.join(' then ')} spans, ${opts.queryRuns} runs per query`);
    const child = startChild('queries.ts', [JSON.stringify({ scales: opts.scales, runs: opts.queryRuns, cadenceSpans: opts.cadenceSpans } satisfies QueryOptions)]);
    try {
      report.queries = (await child.ready) as ScaleResult[];
    } finally {
      await child.stop();
    }
  }

  // The write-path helper's own figures (bench/write-path.ts, run separately), quoted as found.
  const wp = args['write-path'] ?? path.join(ROOT, 'bench', 'out', 'write-path.json');
  if (wp !== 'none' && fs.existsSync(wp)) {
    try {
      report.writePath = { file: path.relative(ROOT, path.resolve(wp)), modified: fs.statSync(wp).mtime.toISOString(), cases: JSON.parse(fs.readFileSync(wp, 'utf8')) };
    } catch (err) {
      log(`write-path figures not read (${(err as Error).message})`);
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

export type { DecodeResult, IngestResult, OverloadResult, SdkRun };
