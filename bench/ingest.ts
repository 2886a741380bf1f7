// Ingest end to end and overload: Eventscope in a child process, load clients in this one.
import { cpuSecondsOf, memoryOf, startChild, type Child } from './child.js';
import { grpcSender, httpSender, runClosedLoop, runOpenLoop, type LoadStats, type Sender } from './load.js';
import type { SdkOptions, SdkResult } from './sdk.js';
import type { SecondMemory, ServerCounts } from './server.js';
import type { RequestPool } from './workload.js';

export interface EventscopeChild {
  child: Child;
  httpUrl: string;
  grpcTarget: string;
  version: string;
  counts(): Promise<ServerCounts>;
  /** waits until the pairing pass has paired everything committed (wall and process CPU seconds) */
  drain(): Promise<{ seconds: number; cpuSeconds: number }>;
  stop(): Promise<void>;
}

/** `serverFile`: another tree's bench/server.ts (a 'before' build), default this one's. */
export async function startEventscopeChild(env: Record<string, string> = {}, serverFile = 'server.ts', execArgv: string[] = []): Promise<EventscopeChild> {
  const child = startChild(serverFile, [], { ...process.env, ...env }, execArgv);
  const ready = await child.ready;
  return {
    child,
    httpUrl: `http://127.0.0.1:${ready.httpPort}`,
    grpcTarget: `127.0.0.1:${ready.grpcPort}`,
    version: ready.version,
    counts: () => child.request<ServerCounts>({ type: 'count' }),
    drain: () => child.request<{ seconds: number; cpuSeconds: number }>({ type: 'drain' }, 30 * 60_000),
    stop: () => child.stop(),
  };
}

export interface IngestResult {
  transport: 'http' | 'grpc';
  concurrency: number;
  requests: number;
  ackedSpans: number;
  wallS: number;
  spansPerSecond: number;
  /** stored spans added by this run (count()), and unique (trace_id, span_id) among them */
  storedSpans: number;
  uniqueStored: number;
  lost: number;
  duplicates: number;
  cpuSeconds: number;
  cpuSecondsPerMillion: number;
  /** peak RSS of the Eventscope process since it started (VmHWM) */
  peakRssBytes: number;
  refused: Record<number, number>;
  networkErrors: number;
  otherErrors: string[];
  parts: number;
  /** process CPU-s while a pairing pass ran during the run (ingest shares the process: an upper bound of the pass's own) */
  pairingCpuSeconds: number;
  /** the pairing's backlog when the last request was acknowledged: how far its watermark trailed the commits (ms) */
  pairingBehindMs: number;
  /** after the run, the pairing pass caught up on that backlog: wall and CPU seconds it took */
  pairingDrain: { seconds: number; cpuSeconds: number };
  /** acknowledged spans per second when the catch-up counts as part of the run (ingest and pairing both done) */
  pairedSpansPerSecond: number;
  /** store time by query name during the run (s), the costliest first */
  queries: Array<{ query: string; seconds: number; count: number }>;
  /** tables after the run (parts, rows, bytes × merge level) and the engine's merge counters during it */
  tables: ServerCounts['tables'];
  merges: ServerCounts['merges'];
  /** the collector's JS thread and insert slots, one sample per second of the run */
  jsThread: JsThreadSummary;
}

export interface JsThreadSummary {
  seconds: number;
  /** the longest event-loop delay within a second: median and worst over the run's seconds (ms) */
  loopDelayP50Ms: number;
  loopDelayMaxMs: number;
  /** share of the seconds that ended with every insert slot busy */
  slotsBusyShare: number;
}

/** The per-second samples a child took between two counts, summed up. */
export function jsThreadDelta(before: ServerCounts, after: ServerCounts): JsThreadSummary {
  const s = after.seconds.slice(before.seconds.length);
  const delays = s.map((x) => x.loopMaxMs).sort((a, b) => a - b);
  return {
    seconds: s.length,
    loopDelayP50Ms: delays.length ? delays[Math.floor(delays.length / 2)]! : 0,
    loopDelayMaxMs: delays.length ? delays[delays.length - 1]! : 0,
    slotsBusyShare: s.length ? s.filter((x) => x.slotsBusy).length / s.length : 0,
  };
}

/** Store time by query name between two counts, the costliest first. */
export function queryDelta(before: ServerCounts, after: ServerCounts): IngestResult['queries'] {
  const b = new Map(before.queries.map((q) => [q.query, q]));
  return after.queries
    .map((q) => ({ query: q.query, seconds: q.seconds - (b.get(q.query)?.seconds ?? 0), count: q.count - (b.get(q.query)?.count ?? 0) }))
    .filter((q) => q.count > 0)
    .sort((x, y) => y.seconds - x.seconds);
}

/** One closed-loop run against a running child; counts are deltas over the run. */
export async function measureIngest(opts: {
  es: EventscopeChild;
  pool: RequestPool;
  transport: 'http' | 'grpc';
  spans: number;
  concurrency: number;
  roundBase: number;
}): Promise<IngestResult> {
  const { es } = opts;
  const before = await es.counts();
  const sender: Sender = opts.transport === 'http' ? httpSender(es.httpUrl, opts.concurrency) : grpcSender(es.grpcTarget);
  const cpu0 = cpuSecondsOf(es.child.pid);
  let stats: LoadStats & { requests: number };
  try {
    stats = await runClosedLoop({ sender, pool: opts.pool, totalSpans: opts.spans, concurrency: opts.concurrency, roundBase: opts.roundBase });
  } finally {
    sender.close();
  }
  const cpu = cpuSecondsOf(es.child.pid) - cpu0;
  const after = await es.counts();
  const drain = await es.drain();
  const stored = after.spans - before.spans;
  const unique = after.uniqueSpans - before.uniqueSpans;
  return {
    transport: opts.transport,
    concurrency: opts.concurrency,
    requests: stats.requests,
    ackedSpans: stats.ackedSpans,
    wallS: stats.wallMs / 1000,
    spansPerSecond: stats.ackedSpans / (stats.wallMs / 1000),
    storedSpans: stored,
    uniqueStored: unique,
    lost: stats.ackedSpans - unique,
    duplicates: stored - unique,
    cpuSeconds: cpu,
    cpuSecondsPerMillion: cpu / (stats.ackedSpans / 1e6),
    peakRssBytes: memoryOf(es.child.pid).peak,
    refused: stats.refused,
    networkErrors: stats.networkErrors,
    otherErrors: stats.otherErrors,
    parts: after.parts,
    pairingCpuSeconds: (after.pairing?.cpuSeconds ?? 0) - (before.pairing?.cpuSeconds ?? 0),
    pairingBehindMs: after.pairing?.behindMs ?? 0,
    pairingDrain: drain,
    pairedSpansPerSecond: stats.ackedSpans / (stats.wallMs / 1000 + drain.seconds),
    queries: queryDelta(before, after),
    tables: after.tables,
    jsThread: jsThreadDelta(before, after),
    merges: {
      merges: after.merges.merges - before.merges.merges,
      mergedRows: after.merges.mergedRows - before.merges.mergedRows,
      mergedBytes: after.merges.mergedBytes - before.merges.mergedBytes,
    },
  };
}

/** One log line: the pairing's CPU share and the store time of the costliest queries. */
export function describeStoreTime(r: IngestResult): string {
  const top = r.queries.slice(0, 8).map((q) => `${q.query} ${q.seconds.toFixed(1)} s/${q.count}`).join(', ');
  const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
  const tables = r.tables.slice(0, 8).map((t) => `${t.table} ${t.parts}p ${mib(t.bytes)}×lvl ${mib(t.mergedBytes)}`).join(', ');
  return (
    // process CPU while a pass ran (the pass shares the process with ingest): an upper bound of its share
    `${r.cpuSeconds.toFixed(1)} CPU-s, ${r.pairingCpuSeconds.toFixed(1)} of them while a pairing pass ran; pairing ${(r.pairingBehindMs / 1000).toFixed(1)} s behind at the end, ` +
    `caught up in ${r.pairingDrain.seconds.toFixed(1)} s (${r.pairingDrain.cpuSeconds.toFixed(1)} CPU-s): ${Math.round(r.pairedSpansPerSecond)} spans/s ingested and paired\n` +
    `  store time: ${top}\n` +
    `  JS thread: the longest event-loop delay per second p50 ${r.jsThread.loopDelayP50Ms} ms, max ${r.jsThread.loopDelayMaxMs} ms; every insert slot busy ${Math.round(r.jsThread.slotsBusyShare * 100)} % of ${r.jsThread.seconds} s\n` +
    `  merges: ${r.merges.merges}, ${mib(r.merges.mergedBytes)} merged (${(r.merges.mergedBytes / r.ackedSpans).toFixed(0)} B per span acknowledged); tables: ${tables}`
  );
}

export interface OverloadResult {
  targetSpansPerSecond: number;
  maxInFlight: number;
  /** seconds from the start until the first 429/503 (the queue limit reached), null if none */
  firstRefusalS: number | null;
  seconds: number;
  offeredSpans: number;
  ackedSpans: number;
  /** acknowledged spans per second over the whole run including the drain */
  ackedPerSecond: number;
  drainS: number;
  storedSpans: number;
  uniqueStored: number;
  lost: number;
  duplicates: number;
  refused: Record<number, number>;
  refusedWithoutRetryAfter: number;
  networkErrors: number;
  otherErrors: string[];
  /** RSS of the Eventscope process, one sample per second from the start of the offered load */
  rssSamples: number[];
  /** the child's own view of its memory per second (RSS, JS heap, external, the engine's MemoryTracking), MiB */
  memorySamples: SecondMemory[];
  rssAt10sBytes: number;
  maxRssAfter10sBytes: number;
  peakRssBytes: number;
  flat: boolean;
  /** the same rule counted from the first refusal: max RSS in the 10 s after it vs. later */
  maxRssFirst10sAfterFillBytes?: number;
  maxRssLaterBytes?: number;
  flatAfterFill?: boolean;
}

/** Offers `factor`× the sustainable rate for `seconds` to a fresh child, then lets every request land. */
export async function measureOverload(opts: {
  pool: RequestPool;
  spansPerSecond: number;
  seconds: number;
  maxInFlight: number;
  roundBase: number;
  log: (msg: string) => void;
}): Promise<OverloadResult> {
  const es = await startEventscopeChild();
  try {
    const before = await es.counts();
    const sender = httpSender(es.httpUrl, opts.maxInFlight);
    const rss: number[] = [];
    let firstRefusalS: number | null = null;
    let stats;
    try {
      stats = await runOpenLoop({
        sender,
        pool: opts.pool,
        spansPerSecond: opts.spansPerSecond,
        seconds: opts.seconds,
        maxInFlight: opts.maxInFlight,
        roundBase: opts.roundBase,
        onSecond: (s, st) => {
          if (s <= opts.seconds) rss.push(memoryOf(es.child.pid).rss);
          if (firstRefusalS === null && Object.keys(st.refused).length > 0) firstRefusalS = s;
          if (s % 10 === 0) {
            const refused = Object.values(st.refused).reduce((a, b) => a + b, 0);
            opts.log(`  overload ${s}s: offered ${st.offeredSpans}, acked ${st.ackedSpans}, refused ${refused}, waiting ${st.waiting}, RSS ${(rss.at(-1)! / 2 ** 20).toFixed(0)} MiB`);
          }
        },
      });
    } finally {
      sender.close();
    }
    const after = await es.counts();
    const memorySamples = after.seconds.slice(before.seconds.length).map((x) => x.memory);
    const series = (k: keyof SecondMemory) => memorySamples.slice(0, opts.seconds + 10).map((x) => x[k]).join(' ');
    opts.log(`  memory per second (MiB, the child's own view): RSS ${series('rss')}`);
    opts.log(`    JS heap used ${series('jsHeap')}`);
    opts.log(`    JS external ${series('jsExternal')}`);
    opts.log(`    engine (MemoryTracking) ${series('engine')}`);
    const stored = after.spans - before.spans;
    const unique = after.uniqueSpans - before.uniqueSpans;
    const at10 = rss[Math.min(9, rss.length - 1)] ?? 0;
    const first10Max = Math.max(...rss.slice(0, 10));
    const maxAfter10 = rss.length > 10 ? Math.max(...rss.slice(10)) : at10;
    // samples are taken at 1 s, 2 s, …: sample i is second i + 1
    const fill = firstRefusalS === null ? undefined : Math.max(0, (firstRefusalS as number) - 1);
    const fillWindow = fill === undefined ? [] : rss.slice(fill, fill + 10);
    const later = fill === undefined ? [] : rss.slice(fill + 10);
    return {
      targetSpansPerSecond: opts.spansPerSecond,
      maxInFlight: opts.maxInFlight,
      firstRefusalS,
      seconds: opts.seconds,
      offeredSpans: stats.offeredSpans,
      ackedSpans: stats.ackedSpans,
      ackedPerSecond: stats.ackedSpans / (stats.wallMs / 1000),
      drainS: (stats.wallMs - stats.offerMs) / 1000,
      storedSpans: stored,
      uniqueStored: unique,
      lost: stats.ackedSpans - unique,
      duplicates: stored - unique,
      refused: stats.refused,
      refusedWithoutRetryAfter: stats.refusedWithoutRetryAfter,
      networkErrors: stats.networkErrors,
      otherErrors: stats.otherErrors,
      rssSamples: rss,
      memorySamples,
      rssAt10sBytes: at10,
      maxRssAfter10sBytes: maxAfter10,
      peakRssBytes: memoryOf(es.child.pid).peak,
      // flat: nothing after the first 10 s goes more than 10% above the first 10 s's maximum
      flat: maxAfter10 <= first10Max * 1.1,
      ...(fillWindow.length && later.length
        ? {
            maxRssFirst10sAfterFillBytes: Math.max(...fillWindow),
            maxRssLaterBytes: Math.max(...later),
            flatAfterFill: Math.max(...later) <= Math.max(...fillWindow) * 1.1,
          }
        : {}),
    };
  } finally {
    await es.stop();
  }
}

export interface SdkRun extends SdkResult {
  /** which collector: 'after' (this tree, default settings) or 'before' */
  variant: string;
  /** how the collector was run (settings or source) */
  collector: string;
  storedSpans: number;
  uniqueStored: number;
  /** acknowledged by Eventscope − stored (unique) */
  lost: number;
  /** inserts (batches) the collector committed during the run, when its stats say */
  committedBatches?: number;
  collectorCpuSeconds: number;
  parts: number;
}

/** One SDK process (bench/sdk.ts) exporting to a fresh Eventscope child for `seconds`. */
export async function measureSdk(opts: {
  variant: string;
  collector: string;
  env?: Record<string, string>;
  serverFile?: string;
  seconds: number;
  maxSpans: number;
}): Promise<SdkRun> {
  const es = await startEventscopeChild(opts.env ?? {}, opts.serverFile);
  try {
    const before = await es.counts();
    const cpu0 = cpuSecondsOf(es.child.pid);
    // the SDK's defaults, whatever the bench was started with
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_'))) as NodeJS.ProcessEnv;
    const sdk = startChild('sdk.ts', [JSON.stringify({ url: es.httpUrl, seconds: opts.seconds, maxSpans: opts.maxSpans } satisfies SdkOptions)], env);
    let r: SdkResult;
    try {
      r = (await sdk.ready) as SdkResult;
    } finally {
      await sdk.stop();
    }
    const cpu = cpuSecondsOf(es.child.pid) - cpu0;
    const after = await es.counts();
    const unique = after.uniqueSpans - before.uniqueSpans;
    const batches = (after.ingest?.committedBatches ?? NaN) - (before.ingest?.committedBatches ?? NaN);
    return {
      ...r,
      variant: opts.variant,
      collector: opts.collector,
      storedSpans: after.spans - before.spans,
      uniqueStored: unique,
      lost: r.acknowledgedSpans - unique,
      ...(Number.isFinite(batches) ? { committedBatches: batches } : {}),
      collectorCpuSeconds: cpu,
      parts: after.parts,
    };
  } finally {
    await es.stop();
  }
}
