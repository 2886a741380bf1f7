// The pairing pass (DESIGN §5, issue 8): pairs every committed deliver span with its publish span
// once, writes the hops, and recomputes the per-minute state of every minute it touched.
//
// It runs behind a watermark over committed rows (messaging_spans.ingested_at): a pass takes the
// messaging spans committed in [watermark, hi) — hi is a time before which every insert has
// committed — plus the deliver spans that point at a publish span of that interval (a producer that
// arrived after its consumer), pairs those deliveries, reclassifies every delivery of the messages
// they touch, and only then moves the watermark. Every write is keyed (hops by deliver span and
// message, minutes by their dimensions) with a rising version, so a pass that is re-run after a
// crash, or run by two collectors at once, changes nothing.
import { DELIVER_SQL, PUBLISH_SQL } from '../domain.js';
import type { Store } from '../store/index.js';
import { classifyHops, hopId, type ClassifiableHop } from './classify.js';
import { pairingSql, type PairedHopRow } from './sql.js';
import { recomputeMinutes } from './minutes.js';
import { recomputeLagCells } from './lag-cells.js';
import { recomputeCallCells, touchedCallSeconds } from './call-cells.js';
import { basisOf, laneId, recomputeOrdering, type TouchedLane } from './ordering.js';
import { bucketsOf } from './versioned.js';
import { estimateHostOffsets, type ClockEvidence } from './clocks.js';
import { assignPathways, isUpstream, MAX_DEPTH, PathwayIndex, recomputePathwayMinutes, type PathwayHop } from './pathways.js';
import { metrics } from '../metrics.js';
import { forgetHostClocks } from './host-clocks.js';
import { msOf, nsOf } from '../datetime64.js';


export interface PairingOptions {
  /** epoch ms before which every insert has committed (embedded: from the ingest queue) */
  committedBefore: () => number;
  /** producers are looked up this far before a delivery (ms) */
  lookbackMs: number;
  /** a delivery is completed by a producer that arrives up to this long after it (ms) */
  lateWindowMs: number;
  /** at most this many messaging spans per pass (a backlog is worked off in several passes) */
  maxSpansPerPass: number;
  now?: () => number;
  log?: (msg: string) => void;
}

export interface PairingStats {
  watermarkMs: number;
  passes: number;
  hopsWritten: number;
  lastPassMs: number;
  lastError: string | null;
  /** CPU time spent in passes (process CPU while a pass ran, µs): the pairing's share of ingest */
  cpuMicros: number;
}

type Row = PairedHopRow &
  ClassifiableHop &
  PathwayHop & { version: string; deleted: number; rewind: number; queue_ns: string | null; skew_ns?: string };

/** What a pass changed, in epoch seconds: the buckets whose state it recomputes. */
interface Touched {
  publishSeconds: Set<number>;
  deliverSeconds: Set<number>;
  /** first deliveries without a stored publish span (lag cells keyed by delivery) */
  unmatchedSeconds: Set<number>;
  /** destination\0group → first delivery second written in this pass */
  groups: Map<string, { destination: string; firstS: number }>;
  /** ordering lanes whose deliveries changed (lib/hops/ordering.ts) */
  lanes: Map<string, TouchedLane>;
  /** the hops the pass wrote or read, by hop id (the ordering pass takes their fields from here) */
  held: Map<string, Row>;
}

let versionSeq = 0;
/** Rising across passes and processes (ms × 1000 + a counter). */
function nextVersion(nowMs: number): string {
  versionSeq = (versionSeq + 1) % 1000;
  return (BigInt(Math.floor(nowMs)) * 1000n + BigInt(versionSeq)).toString();
}


/** The longest wait between passes when passes are slow (freshness stays within a few seconds). */
const MAX_INTERVAL_MS = 4_000;

/**
 * A consumer span that publishes is looked up as a pathway's upstream when it started at most this
 * long before the publish: a handler running longer than an hour starts a new chain (a lookup over
 * the whole 24 h look-back read every stored hop of the day on every pass).
 */
const UPSTREAM_SPAN_MAX_MS = 3_600_000;

/** How often the host clock offsets are re-estimated at most (sooner when a hop contradicts them). */
const CLOCK_REFRESH_MS = 10_000;

export class PairingPass {
  readonly stats: PairingStats = { watermarkMs: 0, passes: 0, hopsWritten: 0, lastPassMs: 0, lastError: null, cpuMicros: 0 };
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private loaded = false;
  /** destination\0group pairs seen delivering (lag cells exist for them) */
  private knownGroups: Set<string> | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: PairingOptions,
  ) {}

  private get db() {
    return this.store.database;
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  /** Runs a pass every `intervalMs` until stop(). */
  /**
   * Runs a pass every `intervalMs` until stop(). Under load a pass takes longer: the next one then
   * waits three times as long as the last took (at most MAX_INTERVAL_MS), so pairing uses at most
   * about a quarter of the time the process has and ingest keeps the rest.
   */
  start(intervalMs: number): void {
    const loop = (delay: number) => {
      if (this.stopped) return;
      this.timer = setTimeout(async () => {
        const t0 = performance.now();
        await this.runOnce().catch(() => {});
        loop(Math.min(MAX_INTERVAL_MS, Math.max(intervalMs, 3 * (performance.now() - t0))));
      }, delay);
    };
    loop(intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => {});
  }

  /** One pass (or joins the running one); passes repeat until the watermark reaches `committedBefore`. */
  runOnce(): Promise<void> {
    if (!this.running) {
      this.running = this.passUntilCaughtUp().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /** Pairs everything committed so far (tests and the API's freshness use this). */
  async sync(): Promise<void> {
    await this.running?.catch(() => {});
    await this.runOnce();
  }

  private async passUntilCaughtUp(): Promise<void> {
    const cpu0 = process.cpuUsage();
    try {
      if (!this.loaded) {
        const [row] = await this.store.query<{ w: string }>(
          `SELECT toString(argMax(watermark_ms, updated_ms)) AS w FROM ${this.db}.pairing_state WHERE name = 'hops'`,
          { name: 'pairing:watermark' },
        );
        this.stats.watermarkMs = Number(row?.w ?? 0);
        this.loaded = true;
      }
      for (let i = 0; i < 1000; i++) {
        const hi = this.opts.committedBefore() - 1;
        if (hi <= this.stats.watermarkMs) break;
        const reached = await this.pass(this.stats.watermarkMs, hi);
        this.stats.watermarkMs = reached;
        await this.store.command(
          `INSERT INTO ${this.db}.pairing_state (name, watermark_ms, updated_ms) VALUES ('hops', {w:Int64}, {u:Int64})`,
          { name: 'pairing:save', params: { w: reached, u: this.now() } },
        );
        if (reached >= hi) break;
      }
      this.stats.lastError = null;
    } catch (err) {
      this.stats.lastError = (err as Error).message ?? String(err);
      metrics().storeErrors.inc({ operation: 'pairing' });
      this.opts.log?.(`[pairing] pass failed (will retry): ${this.stats.lastError}`);
      throw err;
    } finally {
      const d = process.cpuUsage(cpu0);
      this.stats.cpuMicros += d.user + d.system;
    }
  }

  /** Pairs the spans committed in [lo, hi) (fewer when there are too many); returns how far it got. */
  private async pass(lo: number, hiWanted: number): Promise<number> {
    const db = this.db;
    const t0 = performance.now();
    // bound the pass: at most maxSpansPerPass messaging spans
    const [cut] = await this.store.query<{ at: string }>(
      `SELECT toString(toUnixTimestamp64Milli(ingested_at)) AS at FROM ${db}.messaging_spans
        WHERE ingested_at >= fromUnixTimestamp64Milli({lo:Int64}) AND ingested_at < fromUnixTimestamp64Milli({hi:Int64})
        ORDER BY ingested_at LIMIT 1 OFFSET {max:UInt64}`,
      { name: 'pairing:cut', params: { lo, hi: hiWanted, max: this.opts.maxSpansPerPass } },
    );
    // a cut inside one millisecond of inserts would stall: never cut at lo itself
    const hi = cut && Number(cut.at) > lo ? Number(cut.at) : hiWanted;
    const range = { lo, hi };

    // 1. deliveries to (re)pair: those committed now, and earlier ones pointing at a publish committed now
    const fresh = await this.store.query<{ k: string; ms: string }>(
      `SELECT toString(span_key) AS k, toString(toUnixTimestamp64Milli(timestamp)) AS ms FROM ${db}.messaging_spans
        WHERE operation IN ${DELIVER_SQL}
          AND ingested_at >= fromUnixTimestamp64Milli({lo:Int64}) AND ingested_at < fromUnixTimestamp64Milli({hi:Int64})`,
      { name: 'pairing:new-deliveries', params: range },
    );
    // the seconds (and hosts) of the publishes committed now: one read gives what the lag cells
    // recompute and where earlier deliveries waiting for them can start
    const secs = await this.store.query<{ ms: string; host: string }>(
      `SELECT DISTINCT toString(toUnixTimestamp(timestamp) * 1000) AS ms, host FROM ${db}.messaging_spans
        WHERE operation IN ${PUBLISH_SQL}
          AND ingested_at >= fromUnixTimestamp64Milli({lo:Int64}) AND ingested_at < fromUnixTimestamp64Milli({hi:Int64})`,
      { name: 'pairing:publish-seconds', params: range },
    );
    const deliveries = new Map<string, number>();
    for (const r of fresh) deliveries.set(r.k, Number(r.ms));
    const touched: Touched = { publishSeconds: new Set(), deliverSeconds: new Set(), unmatchedSeconds: new Set(), groups: new Map(), lanes: new Map(), held: new Map() };
    if (secs.length > 0) {
      // deliveries stored before their producer: they start after it (less any clock skew)
      const firstPublishMs = Math.min(...secs.map((r) => Number(r.ms)));
      const waiting = await this.store.query<{ k: string; ms: string }>(
        `SELECT toString(span_key) AS k, toString(toUnixTimestamp64Milli(timestamp)) AS ms FROM ${db}.messaging_spans
          WHERE operation IN ${DELIVER_SQL}
            AND timestamp >= fromUnixTimestamp64Milli({from:Int64})
            AND ingested_at < fromUnixTimestamp64Milli({lo:Int64})
            AND ingested_at >= fromUnixTimestamp64Milli({lo:Int64}) - toIntervalMillisecond({late:Int64})
            AND arrayExists(k -> k IN (
                  SELECT span_key FROM ${db}.messaging_spans
                   WHERE operation IN ${PUBLISH_SQL}
                     AND ingested_at >= fromUnixTimestamp64Milli({lo:Int64}) AND ingested_at < fromUnixTimestamp64Milli({hi:Int64})),
                hop_keys)`,
        {
          name: 'pairing:waiting-deliveries',
          params: { ...range, from: firstPublishMs - 5 * 60_000, late: this.opts.lateWindowMs },
        },
      );
      for (const r of waiting) deliveries.set(r.k, Number(r.ms));
      // lag cells bucket publishes on the corrected clock (a second either side: the correction's ms)
      for (const r of secs) {
        const c = Number(r.ms) + this.clockMs(r.host);
        touched.publishSeconds.add(Math.floor(c / 1000));
        touched.publishSeconds.add(Math.floor((c + 999) / 1000));
      }
    }

    let written = 0;
    if (deliveries.size > 0) written = await this.pairDeliveries(deliveries, touched);
    const version = nextVersion(this.now());
    // the per-minute state first (the flow map reads it: fresh sooner when the lag cells below take a
    // while, e.g. a new group's backfill), then the lag cells; the watermark moves only after both,
    // so a crash anywhere in the pass repeats all of it (every write is keyed and versioned); the
    // lag cells take their consumer groups from the hours recomputeMinutes rolls up, so they come after
    const deliverMinutes = bucketsOf(touched.deliverSeconds, 60);
    await recomputePathwayMinutes(this.store, deliverMinutes, version);
    await recomputeMinutes(this.store, { deliverMinutes, publishMinutes: bucketsOf(touched.publishSeconds, 60), version });
    // the flow map's sync-call edges: the calls committed in the same range
    await recomputeCallCells(this.store, await touchedCallSeconds(this.store, range), version);
    // a consumer group new to this pass (its groups come from the hops) is backfilled
    await recomputeLagCells(this.store, {
      publishSeconds: [...touched.publishSeconds],
      unmatchedSeconds: [...touched.unmatchedSeconds],
      backfills: [...(await this.newGroupBackfills(touched.groups)), ...(await this.clockBackfills())],
      version,
      clocks: this.clockOffsetsMs(),
    });
    // ordering inversions of the lanes whose deliveries changed (their points and cells are in by now)
    await recomputeOrdering(this.store, touched.lanes, version, touched.held);
    for (const k of touched.groups.keys()) this.knownGroups?.add(k);
    this.stats.passes++;
    this.stats.hopsWritten += written;
    this.stats.lastPassMs = performance.now() - t0;
    return hi;
  }

  /** Pairs the given deliver spans, reclassifies their messages' deliveries, writes what changed. */
  /**
   * Consumer groups first seen in this pass (not in the day before): their lag cells are
   * backfilled for the day before their first delivery, so their backlog starts there.
   */
  private async newGroupBackfills(groups: Map<string, { destination: string; firstS: number }>) {
    if (groups.size === 0) return [];
    if (!this.knownGroups) {
      const rows = await this.store.query<{ destination: string; consumer_group: string }>(
        `SELECT DISTINCT destination, consumer_group FROM ${this.db}.hops
          WHERE deleted = 0 AND d_start >= now() - toIntervalDay(1)`,
        { name: 'pairing:known-groups' },
      );
      // groups of this very pass are already in hops: treat them as new unless seen before now
      this.knownGroups = new Set(rows.map((r) => `${r.destination}\u0000${r.consumer_group}`).filter((k) => !groups.has(k)));
    }
    // one backfill per destination (it recomputes every group of the destination), from the earliest new group's day before
    const out = new Map<string, { destination: string; fromS: number; toS: number }>();
    for (const [k, g] of groups) {
      if (this.knownGroups.has(k)) continue;
      const fromS = g.firstS - 86_400;
      const prev = out.get(g.destination);
      if (!prev || fromS < prev.fromS) out.set(g.destination, { destination: g.destination, fromS, toS: Math.floor(this.now() / 1000) + 60 });
    }
    return [...out.values()];
  }

  /** Host → clock offset (ns), from host_clocks / the last estimate. */
  private clocks: Map<string, bigint> | undefined;
  private clocksAt = 0;

  /** Hosts whose clock offset changed since the lag cells were last recomputed for them. */
  private clockChanged = new Set<string>();

  /**
   * When a host's offset changed, its publishes of the evidence window were bucketed on the old
   * estimate: recompute the lag cells of the destinations it publishes to over that window.
   */
  private async clockBackfills(): Promise<Array<{ destination: string; fromS: number; toS: number }>> {
    if (this.clockChanged.size === 0) return [];
    const hosts = [...this.clockChanged];
    this.clockChanged.clear();
    const fromMs = this.now() - 15 * 60_000;
    const rows = await this.store.query<{ destination: string }>(
      `SELECT DISTINCT destination FROM ${this.db}.messaging_spans
        WHERE operation IN ${PUBLISH_SQL} AND timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}) AND host IN {hosts:Array(String)}`,
      { name: 'pairing:clock-destinations', params: { fromMs, hosts } },
    );
    const slackS = Math.ceil(Math.max(0, ...this.clockOffsetsMs().offsetsMs.map(Math.abs)) / 1000) + 60;
    return rows.map((r) => ({ destination: r.destination, fromS: Math.floor(fromMs / 1000) - slackS, toS: Math.floor(this.now() / 1000) + slackS }));
  }

  /** A host's current clock offset in ms (0 when unknown). */
  private clockMs(host: string): number {
    return Number((this.clocks?.get(host) ?? 0n) / 1_000_000n);
  }

  /** The current clock offsets (ms) for SQL that corrects times per host. */
  clockOffsetsMs(): { hosts: string[]; offsetsMs: number[] } {
    const hosts = [...(this.clocks ?? new Map()).keys()];
    return { hosts, offsetsMs: hosts.map((h) => Number(this.clocks!.get(h)! / 1_000_000n)) };
  }

  /**
   * Sets each hop's queue time on corrected clocks (queue_ns = raw + offset(deliver host) −
   * offset(publish host)), re-estimating the offsets when they are old or a hop contradicts them.
   */
  private async correctClocks(rows: Row[]): Promise<Row[]> {
    const off = (h: string) => this.clocks?.get(h) ?? 0n;
    let stale: Row[] = [];
    const gapOf = (r: Row) => nsOf(r.d_start) - nsOf(r.p_start!);
    const cross = rows.filter((r) => Number(r.matched) === 1 && r.p_start && r.p_host && r.d_host && r.p_host !== r.d_host);
    const contradicted = cross.some((r) => gapOf(r) + off(r.d_host) - off(r.p_host) < 0n);
    if (!this.clocks || contradicted || this.now() - this.clocksAt >= CLOCK_REFRESH_MS) {
      const stored = await this.store.query<{ p_host: string; d_host: string; gap: string; n: string }>(
        `SELECT p_host, d_host, toString(min(toUnixTimestamp64Nano(d_start) - toUnixTimestamp64Nano(assumeNotNull(p_start)))) AS gap,
                toString(count()) AS n
           FROM ${this.db}.hops FINAL
          WHERE matched = 1 AND p_host != '' AND d_host != '' AND p_host != d_host
            AND d_start >= fromUnixTimestamp64Milli({since:Int64})
          GROUP BY p_host, d_host`,
        { name: 'pairing:clock-evidence', params: { since: this.now() - 15 * 60_000 } },
      );
      const evidence = new Map<string, ClockEvidence>();
      const add = (producerHost: string, consumerHost: string, gap: bigint, n: number) => {
        const k = `${producerHost}\u0000${consumerHost}`;
        const e = evidence.get(k);
        if (!e) evidence.set(k, { producerHost, consumerHost, minStartGapNs: gap, hops: n });
        else {
          e.minStartGapNs = gap < e.minStartGapNs ? gap : e.minStartGapNs;
          e.hops += n;
        }
      };
      for (const r of stored) add(r.p_host, r.d_host, BigInt(r.gap), Number(r.n));
      for (const r of cross) add(r.p_host, r.d_host, gapOf(r), 1);
      // synchronous calls across hosts: the server span must lie inside its client span (the shift
      // that centres it, as the timeline's adjuster computes it), median per host pair
      const calls = await this.store.query<{ client_host: string; server_host: string; corr: string; n: string }>(
        `SELECT c.host AS client_host, s.host AS server_host, toString(toInt64(quantileExact(0.5)(multiIf((s.se - s.ss) > (c.ce - c.cs), if(s.ss < c.cs, c.cs - s.ss, 0), s.ss >= c.cs AND s.se <= c.ce, 0, c.cs + intDiv((c.ce - c.cs) - (s.se - s.ss), 2) - s.ss)))) AS corr, toString(count()) AS n
           FROM (
             SELECT span_key, host, toInt64(toUnixTimestamp64Nano(timestamp)) AS cs, cs + toInt64(duration_ns) AS ce
               FROM ${this.db}.call_spans
              WHERE span_kind = 'CLIENT' AND timestamp >= fromUnixTimestamp64Milli({since:Int64})
              LIMIT 1 BY span_key
           ) AS c
          INNER JOIN (
             SELECT parent_key, host, toInt64(toUnixTimestamp64Nano(timestamp)) AS ss, ss + toInt64(duration_ns) AS se
               FROM ${this.db}.call_spans
              WHERE span_kind = 'SERVER' AND parent_key != 0 AND timestamp >= fromUnixTimestamp64Milli({since:Int64}) - toIntervalMinute(5)
              LIMIT 1 BY parent_key
           ) AS s ON s.parent_key = c.span_key
          WHERE c.host != s.host AND c.host != '' AND s.host != ''
          GROUP BY client_host, server_host
         SETTINGS join_use_nulls = 0`,
        // 'corr' per call: 0 when the server span lies inside the client span; a longer server span
        // only moves so it does not start before the client; else the shift that centres it
        { name: 'pairing:clock-calls', params: { since: this.now() - 15 * 60_000 } },
      );
      const estimate = estimateHostOffsets(
        [...evidence.values()],
        calls.map((c) => ({ clientHost: c.client_host, serverHost: c.server_host, medianCorrectionNs: BigInt(c.corr), calls: Number(c.n) })),
      );
      const next = new Map([...estimate].map(([h, o]) => [h, o.offsetNs]));
      const changed = [...new Set([...next.keys(), ...(this.clocks?.keys() ?? [])])].filter((h) => (next.get(h) ?? 0n) !== (this.clocks?.get(h) ?? 0n));
      if (changed.length > 0) {
        const u = this.now();
        await this.store.insertRows(
          'host_clocks',
          changed.map((h) => ({ host: h, offset_ns: String(next.get(h) ?? 0n), basis: estimate.get(h)?.basis ?? '', updated_ms: u })),
          { name: 'pairing:insert-clocks' },
        );
        forgetHostClocks(this.store);
      }
      this.clocks = next;
      this.clocksAt = this.now();
      for (const h of changed) this.clockChanged.add(h);
      if (changed.length > 0) {
        // the hops of the evidence window that involve a host whose offset changed: their queue time was
        // corrected with the old estimate
        stale = await this.store.query<Row>(
          `SELECT * FROM ${this.db}.hops FINAL
            WHERE matched = 1 AND d_start >= fromUnixTimestamp64Milli({since:Int64})
              AND (p_host IN {hosts:Array(String)} OR d_host IN {hosts:Array(String)})`,
          { name: 'pairing:clock-stale', params: { since: this.now() - 15 * 60_000, hosts: changed } },
        );
      }
    }
    for (const r of [...rows, ...stale]) {
      if (r.raw_queue_ns === null || r.raw_queue_ns === undefined) {
        r.queue_ns = null;
        r.skew_ns = '0';
        continue;
      }
      const skew = off(r.d_host) - off(r.p_host);
      r.skew_ns = skew.toString();
      r.queue_ns = (BigInt(r.raw_queue_ns) + skew).toString();
    }
    return stale;
  }

  /**
   * Marks the duplicates after success that come from a rewind: between the message's previous
   * delivery and this one the group delivered other offsets of the partition — it had moved past
   * the message and came back — and a neighbouring offset was re-read too (its position was reset),
   * unlike a single record delivered again.
   */
  private async markRewinds(rows: Row[]): Promise<void> {
    const byMessage = new Map<string, Row[]>();
    for (const r of rows) {
      r.rewind = 0;
      if (r.class === 'prelude') continue;
      const k = `${r.consumer_group}\u0000${r.destination}\u0000${r.message_key}`;
      let list = byMessage.get(k);
      if (!list) byMessage.set(k, (list = []));
      list.push(r);
    }
    const candidates: Array<{ row: Row; prevStart: string }> = [];
    for (const list of byMessage.values()) {
      list.sort((a, b) => a.ordinal - b.ordinal);
      for (let i = 1; i < list.length; i++) {
        const r = list[i]!;
        if (r.class === 'duplicate_after_success' && r.offset !== null) candidates.push({ row: r, prevStart: list[i - 1]!.d_start });
      }
    }
    if (candidates.length === 0) return;
    const part = (r: { consumer_group: string; destination: string; partition: string }) => `${r.consumer_group}\u0000${r.destination}\u0000${r.partition}`;
    const parts = [...new Map(candidates.map((c) => [part(c.row), c.row])).values()];
    const from = candidates.reduce((m, c) => (c.prevStart < m ? c.prevStart : m), candidates[0]!.prevStart);
    const to = candidates.reduce((m, c) => (c.row.d_start > m ? c.row.d_start : m), candidates[0]!.row.d_start);
    const stored = await this.store.query<{
      consumer_group: string;
      destination: string;
      partition: string;
      d_key: string;
      message_key: string;
      d_start: string;
      offset: string;
      rewind: number;
    }>(
      `SELECT consumer_group, destination, partition, d_key, message_key, d_start, offset, rewind FROM ${this.db}.hops FINAL
        WHERE d_start >= parseDateTime64BestEffort({from:String}, 9) AND d_start <= parseDateTime64BestEffort({to:String}, 9)
          AND offset IS NOT NULL AND class != 'prelude'
          AND has(arrayZip({g:Array(String)}, {d:Array(String)}, {p:Array(String)}), (consumer_group, destination, partition))`,
      {
        name: 'pairing:rewinds',
        params: { from, to, g: parts.map((r) => r.consumer_group), d: parts.map((r) => r.destination), p: parts.map((r) => r.partition) },
      },
    );
    const deliveries = new Map<string, Array<{ start: string; offset: string }>>();
    const seen = new Set<string>();
    for (const r of [...rows, ...stored]) {
      if (r.offset === null || ('class' in r && r.class === 'prelude')) continue;
      const id = hopId(r);
      if (seen.has(id)) continue;
      seen.add(id);
      const k = part(r);
      let list = deliveries.get(k);
      if (!list) deliveries.set(k, (list = []));
      list.push({ start: r.d_start, offset: String(r.offset) });
    }
    const moved = candidates.filter(({ row, prevStart }) =>
      (deliveries.get(part(row)) ?? []).some((d) => d.start > prevStart && d.start < row.d_start && d.offset !== String(row.offset)),
    );
    // A reset re-reads a run of offsets; one record delivered again (a lost acknowledgement) is a
    // duplicate, not a rewind: a replay counts when a neighbouring offset of the partition was
    // replayed too (in this pass, or already marked)
    const replayed = new Set<string>();
    for (const { row } of moved) replayed.add(`${part(row)}\u0000${row.offset}`);
    for (const r of stored) if (Number(r.rewind) === 1) replayed.add(`${part(r)}\u0000${r.offset}`);
    for (const { row } of moved) {
      const o = BigInt(row.offset!);
      if (replayed.has(`${part(row)}\u0000${o - 1n}`) || replayed.has(`${part(row)}\u0000${o + 1n}`)) row.rewind = 1;
    }
  }

  private async pairDeliveries(deliveries: Map<string, number>, touched: Touched): Promise<number> {
    const db = this.db;
    const keys = [...deliveries.keys()];
    let minMs = Infinity;
    let maxMs = -Infinity;
    for (const ms of deliveries.values()) {
      minMs = Math.min(minMs, ms);
      maxMs = Math.max(maxMs, ms);
    }
    const paired = await this.store.query<PairedHopRow>(pairingSql(db), {
      name: 'pairing:pair',
      params: {
        keys: keys.map((k) => BigInt(k)),
        dFromMs: minMs,
        dToMs: maxMs + 1,
      },
    });
    // every delivery already stored of the same messages to the same groups (for their order), and
    // the rows stored before for these deliver spans (their identity may have changed)
    const messageKeys = [...new Set(paired.map((h) => h.message_key))];
    // earlier deliveries of these messages start after their publish (less clock skew); only a
    // message without a stored producer needs the whole look-back
    let sinceMs = Infinity;
    for (const h of paired) {
      const from = Number(h.matched) === 1 && h.p_start ? msOf(h.p_start) - 5 * 60_000 : msOf(h.d_start) - this.opts.lookbackMs;
      sinceMs = Math.min(sinceMs, from);
    }
    if (!Number.isFinite(sinceMs)) sinceMs = minMs - this.opts.lookbackMs;
    const since = Math.min(sinceMs, minMs - 5 * 60_000);
    const mkeys = messageKeys.map((k) => BigInt(k));
    // the hours that hold them: from hop_keys (an earlier delivery of a message without a stored
    // producer may lie anywhere in the look-back; hops is ordered by hour first), and the hours of
    // these deliveries themselves (their own earlier rows)
    const hours = new Set<number>();
    for (const ms of deliveries.values()) hours.add(Math.floor(ms / 3_600_000) * 3_600);
    for (const r of await this.store.query<{ h: string }>(
      `SELECT DISTINCT toString(toUnixTimestamp(hour)) AS h FROM ${db}.hop_keys
        WHERE message_key IN {mkeys:Array(UInt64)} AND hour >= toStartOfHour(fromUnixTimestamp64Milli({since:Int64}))`,
      { name: 'pairing:existing-hours', params: { mkeys, since } },
    )) {
      hours.add(Number(r.h));
    }
    const existing = await this.store.query<Row>(
      `SELECT * FROM ${db}.hops FINAL
        WHERE toStartOfHour(d_start) IN {hours:Array(DateTime)} AND d_start >= fromUnixTimestamp64Milli({since:Int64})
          AND (d_key IN {keys:Array(UInt64)} OR message_key IN {mkeys:Array(UInt64)})`,
      {
        name: 'pairing:existing',
        params: { since, hours: [...hours].map((h) => new Date(h * 1000).toISOString().slice(0, 19).replace('T', ' ')), keys: keys.map((k) => BigInt(k)), mkeys },
      },
    );
    const version = nextVersion(this.now());
    const fresh = new Map<string, Row>();
    for (const h of paired) {
      // the query's own rows become the pass's (no copy: nothing else holds them)
      const r = h as Row;
      r.ordinal = 0;
      r.class = '';
      r.version = version;
      r.deleted = 0;
      fresh.set(hopId(r), r);
    }
    const repaired = new Set(keys);
    const before = new Map<string, Row>();
    const all = new Map<string, Row>(fresh);
    const tombstones: Row[] = [];
    // the stored rows are the ones the pass works on (property access on spread copies was several
    // times slower); `before` keeps a copy of what was stored
    for (const e of existing) {
      const id = hopId(e);
      before.set(id, { ...e });
      if (fresh.has(id)) continue;
      if (repaired.has(e.d_key)) tombstones.push({ ...e, version, deleted: 1 }); // its identity changed
      else all.set(id, e);
    }
    classifyHops([...all.values()]);
    await this.markRewinds([...all.values()]);
    // hops written before the clock estimate changed are corrected again (with their minutes and cells)
    for (const h of await this.correctClocks([...all.values()])) if (!all.has(hopId(h))) {
      before.set(hopId(h), { ...h, queue_ns: null });
      all.set(hopId(h), h);
    }
    await this.assignPathways(all, before);
    const writes: Row[] = [...tombstones];
    for (const [id, h] of all) {
      const old = before.get(id);
      if (
        old &&
        !fresh.has(id) &&
        old.ordinal === h.ordinal &&
        old.class === h.class &&
        Number(old.rewind) === h.rewind &&
        Number(old.queue_sample) === h.queue_sample &&
        old.queue_ns === h.queue_ns &&
        String(old.path_hash) === h.path_hash &&
        String(old.origin_ns) === h.origin_ns &&
        (old.e2e_ns ?? null) === h.e2e_ns
      ) {
        continue;
      }
      h.version = version;
      writes.push(h);
    }
    if (writes.length === 0) return 0;
    for (const w of writes) {
      const ds = Math.floor(msOf(w.d_start) / 1000);
      touched.deliverSeconds.add(ds);
      if (Number(w.matched) === 1 && w.p_start) touched.publishSeconds.add(Math.floor((msOf(w.p_start) + this.clockMs(w.p_host)) / 1000));
      else touched.unmatchedSeconds.add(ds);
      const gk = `${w.destination}\u0000${w.consumer_group}`;
      const g = touched.groups.get(gk);
      if (!g) touched.groups.set(gk, { destination: w.destination, firstS: ds });
      else g.firstS = Math.min(g.firstS, ds);
      const basis = basisOf(w);
      if (basis) {
        const lane = { consumer_group: w.consumer_group, destination: w.destination, partition: w.partition, basis, key: basis === 'k' ? w.msg_key : '' };
        const id = laneId(lane);
        const ns = nsOf(w.d_start);
        const t = touched.lanes.get(id);
        if (!t) touched.lanes.set(id, { ...lane, fromNs: ns, toNs: ns });
        else if (ns < t.fromNs) t.fromNs = ns;
        else if (ns > t.toNs) t.toNs = ns;
      }
    }
    const repeats = repeatRows(writes, all, before, version);
    for (const [id, h] of all) touched.held.set(id, h);
    await this.store.insertRowsBinary('hops', writes.map(stripForInsert), { name: 'pairing:insert-hops' });
    await this.store.insertRowsBinary('hop_repeats', repeats, { name: 'pairing:insert-repeats' });
    return writes.length;
  }

  /**
   * Origin, path and end-to-end time of every hop in `all` (lib/hops/pathways.ts), from the stored
   * deliveries whose consumer span contains its publish; then the stored hops downstream of them,
   * level by level — a downstream hop written before its upstream one (a late arrival) gets its
   * pathway again. Downstream hops whose pathway changed join `all` (their old row in `before`).
   */
  private async assignPathways(all: Map<string, Row>, before: Map<string, Row>): Promise<void> {
    const db = this.db;
    const clockNs = (h: string) => this.clocks?.get(h) ?? 0n;
    const rows = [...all.values()];
    const pubs = rows.filter((r) => Number(r.matched) === 1 && r.p_start);
    let stored: Row[] = [];
    if (pubs.length > 0) {
      const ms = pubs.map((r) => msOf(r.p_start!));
      // only what a candidate needs (isUpstream, assignPathway), from the consumer spans that started
      // at most UPSTREAM_SPAN_MAX_MS before the publish. `IN (SELECT arrayJoin(param))`: the engine
      // tests `IN {param:Array(String)}` by scanning the array for every row (100k traces of a bulk
      // pass: 37 s against 0.9 s for the same rows); a subquery builds a set once
      stored = (
        await this.store.query<Row>(
          `SELECT toString(d_key) AS d_key, toString(message_key) AS message_key, d_trace_id, d_service, d_start, d_end,
                  class, path_depth, toString(origin_ns) AS origin_ns, origin_trace_id, path
             FROM ${db}.hops FINAL
            WHERE d_start >= fromUnixTimestamp64Milli({from:Int64}) AND d_start <= fromUnixTimestamp64Milli({to:Int64})
              AND d_trace_id IN (SELECT arrayJoin({traces:Array(String)})) AND path_depth > 0 AND class != 'prelude'`,
          {
            name: 'pairing:pathway-upstream',
            params: { from: extent(ms).min - UPSTREAM_SPAN_MAX_MS, to: extent(ms).max + 1, traces: [...new Set(pubs.map((r) => r.p_trace_id))] },
          },
        )
      ).filter((r) => !all.has(hopId(r)));
    }
    // one index over everything held (stored upstreams, this pass's hops, downstream hops as found)
    const index = new PathwayIndex().add(stored).add(rows);
    assignPathways(rows, index, clockNs);
    let frontier = rows.filter((r) => {
      const old = before.get(hopId(r));
      return !old || String(old.path_hash) !== r.path_hash || String(old.origin_ns) !== r.origin_ns;
    });
    for (let level = 0; level < MAX_DEPTH && frontier.length > 0; level++) {
      const ups = frontier.filter((r) => r.path_depth && r.class !== 'prelude');
      if (ups.length === 0) break;
      const upsOf = upsByConsumer(ups);
      const from = extent(ups.map((r) => msOf(r.d_start))).min - 5 * 60_000;
      // the stored hops published inside these consumer spans: their keys first (few columns over
      // many rows), the whole rows only of those that are downstream
      const found = (
        await this.store.query<{ d_key: string; message_key: string; p_trace_id: string; p_service: string; p_start: string }>(
          `SELECT toString(d_key) AS d_key, toString(message_key) AS message_key, p_trace_id, p_service, p_start FROM ${db}.hops FINAL
            WHERE d_start >= fromUnixTimestamp64Milli({from:Int64})
              AND p_trace_id IN (SELECT arrayJoin({traces:Array(String)})) AND matched = 1
              AND p_start >= parseDateTime64BestEffort({pFrom:String}, 9) AND p_start <= parseDateTime64BestEffort({pTo:String}, 9)`,
          {
            name: 'pairing:pathway-downstream',
            params: {
              from,
              traces: [...new Set(ups.map((r) => r.d_trace_id))],
              pFrom: ups.reduce((m, r) => (r.d_start < m ? r.d_start : m), ups[0]!.d_start),
              pTo: ups.reduce((m, r) => (r.d_end > m ? r.d_end : m), ups[0]!.d_end),
            },
          },
        )
      ).filter((d) => !all.has(hopId(d)) && (upsOf.get(`${d.p_trace_id}\u0000${d.p_service}`) ?? []).some((u) => isUpstream(u, d)));
      if (found.length === 0) break;
      const wanted = new Set(found.map(hopId));
      const down = (
        await this.store.query<Row>(
          `SELECT * FROM ${db}.hops FINAL
            WHERE d_start >= fromUnixTimestamp64Milli({from:Int64}) AND d_key IN {keys:Array(UInt64)} AND message_key IN {mkeys:Array(UInt64)}`,
          {
            name: 'pairing:pathway-downstream-rows',
            params: { from, keys: [...new Set(found.map((d) => BigInt(d.d_key)))], mkeys: [...new Set(found.map((d) => BigInt(d.message_key)))] },
          },
        )
      ).filter((d) => wanted.has(hopId(d)));
      if (down.length === 0) break;
      for (const d of down) {
        before.set(hopId(d), { ...d });
        all.set(hopId(d), d);
      }
      index.add(down);
      frontier = assignPathways(down, index, clockNs);
    }
  }
}

const messageOf = (h: Row) => `${h.consumer_group}\u0000${h.destination}\u0000${h.message_key}`;

/**
 * hop_repeats rows (migration 018) for the messages this pass wrote a hop of: every delivery of a
 * message now delivered more than once to its group, tombstones for the rows of one that no longer
 * is (or of a hop that left it). `all` holds every stored delivery of those messages as now
 * classified, `before` their stored rows.
 */
function repeatRows(writes: Row[], all: Map<string, Row>, before: Map<string, Row>, version: string): Array<Record<string, unknown>> {
  const touched = new Set(writes.map(messageOf));
  const group = (rows: Iterable<Row>) => {
    const out = new Map<string, Row[]>();
    for (const r of rows) {
      const m = messageOf(r);
      if (!touched.has(m)) continue;
      const list = out.get(m) ?? [];
      out.set(m, list);
      list.push(r);
    }
    return out;
  };
  const now = group(all.values());
  const then = group(before.values());
  const out: Array<Record<string, unknown>> = [];
  const row = (h: Row, deleted: number) => ({
    consumer_group: h.consumer_group,
    destination: h.destination,
    message_key: h.message_key,
    d_key: h.d_key,
    d_start: h.d_start,
    class: h.class,
    rewind: Number(h.rewind),
    message: h.message,
    message_id: h.message_id,
    partition: h.partition,
    offset: h.offset,
    msg_key: h.msg_key,
    d_trace_id: h.d_trace_id,
    d_span_id: h.d_span_id,
    d_service: h.d_service,
    d_operation: h.d_operation,
    d_status: h.d_status,
    d_redelivered: Number(h.d_redelivered),
    p_trace_id: h.p_trace_id,
    p_span_id: h.p_span_id,
    p_service: h.p_service,
    d_env: h.d_env,
    d_namespace: h.d_namespace,
    version,
    deleted,
  });
  for (const m of touched) {
    const cur = now.get(m) ?? [];
    const old = then.get(m) ?? [];
    const repeated = cur.some((h) => h.ordinal >= 2);
    if (!repeated && !old.some((h) => Number(h.ordinal) >= 2)) continue;
    const kept = new Set<string>();
    if (repeated) for (const h of cur) {
      kept.add(hopId(h));
      out.push(row(h, 0));
    }
    for (const h of [...old, ...cur]) if (!kept.has(hopId(h))) {
      kept.add(hopId(h));
      out.push(row(h, 1));
    }
  }
  return out;
}

/** The smallest and largest number (a loop: Math.min(...xs) overflows the stack for a pass's hundreds of thousands). */
function extent(xs: readonly number[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max };
}

/** Possible upstream hops by (deliver trace, deliver service): a hop's upstream is among those of its publish's trace and service. */
function upsByConsumer(ups: readonly Row[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const u of ups) {
    const k = `${u.d_trace_id}\u0000${u.d_service}`;
    const list = out.get(k);
    if (list) list.push(u);
    else out.set(k, [u]);
  }
  return out;
}

/** The columns of `hops` (every row has them all, in this order), in the shape JSON output gives them back. */
function stripForInsert(r: Row): Record<string, unknown> {
  return {
    consumer_group: r.consumer_group,
    destination: r.destination,
    message_key: r.message_key,
    d_key: r.d_key,
    message: r.message,
    identified: Number(r.identified),
    matched: Number(r.matched),
    system: r.system,
    partition: r.partition,
    offset: r.offset,
    msg_key: r.msg_key,
    message_id: r.message_id,
    message_type: r.message_type,
    d_trace_id: r.d_trace_id,
    d_span_id: r.d_span_id,
    d_start: r.d_start,
    d_end: r.d_end,
    d_service: r.d_service,
    d_operation: r.d_operation,
    d_status: r.d_status,
    d_redelivered: Number(r.d_redelivered),
    d_link_count: Number(r.d_link_count),
    p_trace_id: r.p_trace_id,
    p_span_id: r.p_span_id,
    p_start: r.p_start,
    p_end: r.p_end,
    p_service: r.p_service,
    d_host: r.d_host,
    p_host: r.p_host,
    queue_ns: r.queue_ns,
    raw_queue_ns: r.raw_queue_ns,
    skew_ns: r.skew_ns ?? '0',
    ordinal: r.ordinal,
    class: r.class,
    rewind: Number(r.rewind ?? 0),
    queue_sample: Number(r.queue_sample ?? 0),
    d_env: r.d_env ?? '',
    d_namespace: r.d_namespace ?? '',
    p_env: r.p_env ?? '',
    p_namespace: r.p_namespace ?? '',
    origin_ns: r.origin_ns ?? '0',
    origin_trace_id: r.origin_trace_id ?? '',
    path: r.path ?? '',
    path_hash: r.path_hash ?? '0',
    path_depth: Number(r.path_depth ?? 0),
    e2e_ns: r.e2e_ns ?? null,
    version: r.version,
    deleted: r.deleted,
  };
}
