// Ordering inversions as pairing-pass state (migration 018, issue 8). Within a lane — (consumer group,
// destination, partition, basis, and the message key when the basis is the publish order) — a
// message's first delivery is out of order when the group had received, in the hour before it (from
// the start of its minute), a message produced later: a higher offset, or a later publish of the
// same key. The messages of one batch span start together and are never compared with each other.
//
// The pass decides this for every lane it touched, for the first deliveries from the earliest one it
// touched on: a late delivery can make later ones out of order, or stop them being so. What came
// before is read at three resolutions (order_cells by minute, then by second, then order_points
// for the seconds the pass touched), so a pass reads a lane's hour as ~120 cells, not its deliveries.
import type { Store } from '../store/index.js';
import { nsOf } from '../datetime64.js';

/** A delivery is compared with what its group received this long before its minute. */
export const ORDER_WINDOW_S = 3_600;

export type Basis = 'o' | 'k';

/** A lane's identity as the pass knows it from its hops. */
export interface LaneRef {
  consumer_group: string;
  destination: string;
  partition: string;
  basis: Basis;
  /** the message key (basis 'k' only; '' otherwise) */
  key: string;
}

/** What a pass touched in one lane: the deliveries it wrote, from / to (ns). */
export interface TouchedLane extends LaneRef {
  fromNs: bigint;
  toNs: bigint;
}

/** The basis of a hop's ordering (null: not comparable). */
export function basisOf(h: { identified: number; offset: string | null; msg_key: string; matched: number; p_start: string | null }): Basis | null {
  if (Number(h.identified) !== 1) return null;
  if (h.offset !== null) return 'o';
  return h.msg_key !== '' && Number(h.matched) === 1 && h.p_start ? 'k' : null;
}

export const laneId = (l: LaneRef) => `${l.consumer_group}\u0000${l.destination}\u0000${l.partition}\u0000${l.basis}\u0000${l.basis === 'k' ? l.key : ''}`;

/** (ord, −start ns, d_key, message_key): the largest is the highest ord, delivered earliest. */
export type Top = readonly [bigint, bigint, bigint, bigint];

const cmpTop = (a: Top, b: Top) => {
  for (let i = 0; i < 4; i++) if (a[i]! !== b[i]!) return a[i]! < b[i]! ? -1 : 1;
  return 0;
};

/** Something delivered before: a cell (the highest of a second or a minute) or one delivery. */
export interface PriorItem {
  /** ns: a cell's start, or the delivery's start */
  atNs: bigint;
  top: Top;
}

export interface Candidate {
  atNs: bigint;
  ord: bigint;
  d_key: string;
  message_key: string;
}

export interface Verdict extends Candidate {
  /** the message delivered first (null: in order) */
  before: { atNs: bigint; d_key: string; message_key: string } | null;
}

const MINUTE_NS = 60_000_000_000n;
const WINDOW_NS = BigInt(ORDER_WINDOW_S) * 1_000_000_000n;

/**
 * Decides every candidate of one lane (pure). `items` is what the lane received, each item wholly
 * before any candidate it may be compared with or itself a delivery; a candidate is compared with
 * the items in [start of its minute − 1 h, its start). A sliding maximum: items and candidates in
 * time order, the lower bound only rises.
 */
export function decideLane(items: readonly PriorItem[], candidates: readonly Candidate[]): Verdict[] {
  const xs = [...items].sort((a, b) => (a.atNs < b.atNs ? -1 : a.atNs > b.atNs ? 1 : 0));
  const cs = [...candidates].sort((a, b) => (a.atNs < b.atNs ? -1 : a.atNs > b.atNs ? 1 : 0));
  // indexes into xs, their tops decreasing: the front is the window's highest
  const deque: number[] = [];
  let head = 0;
  let next = 0;
  const out: Verdict[] = [];
  for (const c of cs) {
    // everything that started strictly before the candidate (a batch's messages share the start)
    while (next < xs.length && xs[next]!.atNs < c.atNs) {
      const t = xs[next]!.top;
      while (deque.length > head && cmpTop(xs[deque[deque.length - 1]!]!.top, t) <= 0) deque.pop();
      deque.push(next++);
    }
    const lower = c.atNs - (c.atNs % MINUTE_NS) - WINDOW_NS;
    while (deque.length > head && xs[deque[head]!]!.atNs < lower) head++;
    const best = deque.length > head ? xs[deque[head]!]!.top : undefined;
    out.push({
      ...c,
      before: best && c.ord < best[0] ? { atNs: -best[1], d_key: best[2].toString(), message_key: best[3].toString() } : null,
    });
  }
  return out;
}

const NS_PER_S = 1_000_000_000n;
const sqlTime = (ns: bigint) => `${ns / NS_PER_S}.${(ns % NS_PER_S).toString().padStart(9, '0')}`;

type InversionRow = {
  lane_id: string;
  at_ns: string;
  dk: string;
  mk: string;
  a_dk: string;
  a_mk: string;
};

/**
 * Recomputes the inversions of the touched lanes (after the pass wrote its hops: order_points and
 * order_cells follow them through MVs) and writes what changed, with `version`.
 */
/** A hop the pass holds, by `${d_key}\0${message_key}`: its fields need no lookup. */
export interface HeldHop {
  message: string;
  offset: string | null;
  msg_key: string;
  matched: number;
  p_start: string | null;
  d_start: string;
  d_trace_id: string;
  d_span_id: string;
  d_service: string;
  p_trace_id: string;
  p_span_id: string;
  d_env: string;
  d_namespace: string;
}

export async function recomputeOrdering(
  store: Store,
  touched: Map<string, TouchedLane>,
  version: string,
  held: ReadonlyMap<string, HeldHop> = new Map(),
): Promise<number> {
  if (touched.size === 0) return 0;
  const db = store.database;
  const lanes = [...touched.values()];
  const hashes = await store.query<{ lane: string }>(
    `SELECT toString(cityHash64(x.1, x.2, x.3, x.4, x.5)) AS lane
       FROM (SELECT arrayJoin(arrayZip({g:Array(String)}, {d:Array(String)}, {p:Array(String)}, {b:Array(String)}, {k:Array(String)})) AS x)`,
    {
      name: 'ordering:lanes',
      params: {
        g: lanes.map((l) => l.consumer_group),
        d: lanes.map((l) => l.destination),
        p: lanes.map((l) => l.partition),
        b: lanes.map((l) => l.basis),
        k: lanes.map((l) => (l.basis === 'k' ? l.key : '')),
      },
    },
  );
  const byHash = new Map<string, TouchedLane>();
  lanes.forEach((l, i) => byHash.set(hashes[i]!.lane, l));
  const ids = [...byHash.keys()].map((h) => BigInt(h));
  // each lane: minute cells before the minute of its first touched delivery (back an hour before
  // that), second cells up to its second, the deliveries themselves from there; candidates are its
  // first deliveries from the touched one up to an hour after the last
  let fromNs = lanes[0]!.fromNs;
  let toNs = lanes[0]!.toNs;
  let lastSecondNs = 0n;
  for (const l of lanes) {
    if (l.fromNs < fromNs) fromNs = l.fromNs;
    if (l.toNs > toNs) toNs = l.toNs;
    const s = l.fromNs - (l.fromNs % NS_PER_S);
    if (s > lastSecondNs) lastSecondNs = s;
  }
  const firstSecondNs = fromNs - (fromNs % NS_PER_S);
  const untilNs = toNs + WINDOW_NS + MINUTE_NS;
  // one after another: side by side they took three times as long each (two cores)
  const points = await store.query<{ lane_id: string; ns: string; dk: string; mk: string; o: string; f: number }>(
    `SELECT toString(lane) AS lane_id, toString(toUnixTimestamp64Nano(d_start)) AS ns, toString(d_key) AS dk,
            toString(message_key) AS mk, toString(ord) AS o, first AS f
       FROM ${db}.order_points FINAL
      WHERE lane IN {ids:Array(UInt64)}
        AND d_start >= toDateTime64({from:String}, 9) AND d_start < toDateTime64({until:String}, 9)`,
    { name: 'ordering:points', params: { ids, from: sqlTime(firstSecondNs), until: sqlTime(untilNs) } },
  );
  type LaneWork = { lane: TouchedLane; items: PriorItem[]; candidates: Candidate[]; lastNs: bigint };
  const work = new Map<string, LaneWork>();
  for (const p of points) {
    const l = byHash.get(p.lane_id)!;
    const at = BigInt(p.ns);
    if (at < l.fromNs - (l.fromNs % NS_PER_S)) continue;
    let w = work.get(p.lane_id);
    if (!w) work.set(p.lane_id, (w = { lane: l, items: [], candidates: [], lastNs: l.fromNs }));
    const ord = BigInt(p.o);
    w.items.push({ atNs: at, top: [ord, -at, BigInt(p.dk), BigInt(p.mk)] });
    if (Number(p.f) === 1 && at >= l.fromNs && at < untilNs) {
      w.candidates.push({ atNs: at, ord, d_key: p.dk, message_key: p.mk });
      if (at > w.lastNs) w.lastNs = at;
    }
  }
  // What came before a lane's first touched second, as cells: per lane, with M0 / M1 the minutes of
  // its first and last candidate and S0 the first one's second, every candidate's window holds the
  // cells in [M1 − 1 h, S0) (minutes before M0, seconds after) — one maximum; only the cells before
  // M1 − 1 h are in some windows and not others, one row each (none when M1 = M0).
  const lanesWithWork = [...work.entries()].filter(([, w]) => w.candidates.length > 0);
  const s = (ns: bigint) => Number(ns / NS_PER_S);
  const bounds = lanesWithWork.map(([id, w]) => {
    const m0 = w.lane.fromNs - (w.lane.fromNs % MINUTE_NS);
    const m1 = w.lastNs - (w.lastNs % MINUTE_NS);
    return { id: BigInt(id), m0: s(m0), m1: s(m1), s0: s(w.lane.fromNs - (w.lane.fromNs % NS_PER_S)) };
  });
  const cells =
    bounds.length === 0
      ? []
      : await store.query<{ lane_id: string; s: string; o: string; n: string; dk: string; mk: string }>(
          `SELECT toString(lane) AS lane_id,
                  -- '0': the maximum common to every window of the lane; else a cell's start
                  toString(if(bucket < toDateTime(transform(lane, {ids:Array(UInt64)}, {m1:Array(Int64)}, 0) - ${ORDER_WINDOW_S}), toUnixTimestamp(bucket), 0)) AS s,
                  toString(max(top).1) AS o, toString(max(top).2) AS n, toString(max(top).3) AS dk, toString(max(top).4) AS mk
             FROM ${db}.order_cells
            WHERE lane IN {ids:Array(UInt64)}
              AND bucket >= toDateTime({lo:Int64}) AND bucket < toDateTime({hi:Int64})
              AND if(res = 60,
                     bucket >= toDateTime(transform(lane, {ids:Array(UInt64)}, {m0:Array(Int64)}, 0) - ${ORDER_WINDOW_S})
                       AND bucket < toDateTime(transform(lane, {ids:Array(UInt64)}, {m0:Array(Int64)}, 0)),
                     bucket >= toDateTime(transform(lane, {ids:Array(UInt64)}, {m0:Array(Int64)}, 0))
                       AND bucket < toDateTime(transform(lane, {ids:Array(UInt64)}, {s0:Array(Int64)}, 0)))
            GROUP BY lane_id, s`,
          {
            name: 'ordering:cells',
            params: {
              ids: bounds.map((b) => b.id),
              m0: bounds.map((b) => b.m0),
              m1: bounds.map((b) => b.m1),
              s0: bounds.map((b) => b.s0),
              lo: Math.min(...bounds.map((b) => b.m0)) - ORDER_WINDOW_S,
              hi: Math.max(...bounds.map((b) => b.s0)),
            },
          },
        );
  const boundsOf = new Map(bounds.map((b) => [b.id.toString(), b]));
  for (const c of cells) {
    const b = boundsOf.get(c.lane_id)!;
    // the common maximum sits where every window of the lane starts (or later): M1 − 1 h
    const at = c.s === '0' ? BigInt(b.m1 - ORDER_WINDOW_S) * NS_PER_S : BigInt(c.s) * NS_PER_S;
    work.get(c.lane_id)!.items.push({ atNs: at, top: [BigInt(c.o), BigInt(c.n), BigInt(c.dk), BigInt(c.mk)] });
  }
  const existing = await store.query<InversionRow>(
    `SELECT toString(lane) AS lane_id, toString(toUnixTimestamp64Nano(at)) AS at_ns, toString(d_key) AS dk,
            toString(message_key) AS mk, toString(a_d_key) AS a_dk, toString(a_message_key) AS a_mk
       FROM ${db}.order_inversions FINAL
      WHERE at >= toDateTime64({from:String}, 9) AND at < toDateTime64({until:String}, 9) AND lane IN {ids:Array(UInt64)}`,
    { name: 'ordering:existing', params: { ids, from: sqlTime(fromNs), until: sqlTime(untilNs) } },
  );

  const stored = new Map(existing.map((e) => [`${e.dk}\u0000${e.mk}`, e]));
  /** every candidate decided: is it out of order? */
  const decided = new Map<string, boolean>();
  const fresh: Array<Verdict & { lane: string }> = [];
  for (const [lane, w] of work) {
    for (const v of decideLane(w.items, w.candidates)) {
      const id = `${v.d_key}\u0000${v.message_key}`;
      decided.set(id, v.before !== null);
      if (!v.before) continue;
      const old = stored.get(id);
      if (old && old.a_dk === v.before.d_key && old.a_mk === v.before.message_key) continue;
      fresh.push({ ...v, lane });
    }
  }
  // stored inversions in a lane's recomputed span that are in order now, or no longer a first delivery
  const gone = existing.filter((e) => {
    const l = byHash.get(e.lane_id)!;
    const at = BigInt(e.at_ns);
    return at >= l.fromNs && at < l.toNs + WINDOW_NS + MINUTE_NS && decided.get(`${e.dk}\u0000${e.mk}`) !== true;
  });
  if (fresh.length === 0 && gone.length === 0) return 0;
  // the fields of both messages: from the hops the pass holds (an inversion's later message is
  // usually one it just wrote), the others looked up
  const meta = new Map<string, HopMeta>();
  const wanted: Array<{ d_key: string; message_key: string; atNs: bigint }> = [];
  for (const f of fresh) {
    for (const h of [
      { d_key: f.d_key, message_key: f.message_key, atNs: f.atNs },
      { d_key: f.before!.d_key, message_key: f.before!.message_key, atNs: f.before!.atNs },
    ]) {
      const id = `${h.d_key}\u0000${h.message_key}`;
      if (meta.has(id)) continue;
      const r = held.get(id);
      if (r) meta.set(id, metaOf(r));
      else wanted.push(h);
    }
  }
  for (const [id, m] of await hopMeta(store, wanted)) meta.set(id, m);
  const rows: Array<Record<string, unknown>> = [];
  for (const f of fresh) {
    const l = byHash.get(f.lane)!;
    const d = meta.get(`${f.d_key}\u0000${f.message_key}`);
    const a = meta.get(`${f.before!.d_key}\u0000${f.before!.message_key}`);
    rows.push({
      lane: f.lane,
      consumer_group: l.consumer_group,
      destination: l.destination,
      partition: l.partition,
      basis: l.basis,
      at: f.atNs.toString(),
      d_key: f.d_key,
      message_key: f.message_key,
      a_at: f.before!.atNs.toString(),
      a_d_key: f.before!.d_key,
      a_message_key: f.before!.message_key,
      later: MESSAGE_FIELDS.map((k) => d?.[k] ?? ''),
      first: MESSAGE_FIELDS.map((k) => a?.[k] ?? ''),
      trace_ids: [...new Set([d?.d_trace_id, d?.p_trace_id, a?.d_trace_id, a?.p_trace_id].filter((t): t is string => !!t))],
      d_env: d?.d_env ?? '',
      d_namespace: d?.d_namespace ?? '',
      version,
      deleted: 0,
    });
  }
  for (const g of gone) {
    const l = byHash.get(g.lane_id)!;
    rows.push({
      lane: g.lane_id,
      consumer_group: l.consumer_group,
      destination: l.destination,
      partition: l.partition,
      basis: l.basis,
      at: g.at_ns,
      d_key: g.dk,
      message_key: g.mk,
      a_at: g.at_ns,
      a_d_key: g.a_dk,
      a_message_key: g.a_mk,
      later: [],
      first: [],
      trace_ids: [],
      d_env: '',
      d_namespace: '',
      version,
      deleted: 1,
    });
  }
  await store.insertRowsBinary('order_inversions', rows, { name: 'ordering:insert' });
  return rows.length;
}

/** What order_inversions keeps of one message (migration 018): the ordering view's fields, in order. */
export const MESSAGE_FIELDS = ['message', 'offset', 'msg_key', 'p_start_ns', 'd_start_ns', 'd_trace_id', 'd_span_id', 'd_service', 'p_trace_id', 'p_span_id'] as const;
type HopMeta = Record<(typeof MESSAGE_FIELDS)[number] | 'd_env' | 'd_namespace', string>;

function metaOf(h: HeldHop): HopMeta {
  return {
    message: h.message,
    offset: h.offset ?? '',
    msg_key: h.msg_key,
    p_start_ns: Number(h.matched) === 1 && h.p_start ? nsOf(h.p_start).toString() : '',
    d_start_ns: nsOf(h.d_start).toString(),
    d_trace_id: h.d_trace_id,
    d_span_id: h.d_span_id,
    d_service: h.d_service,
    p_trace_id: h.p_trace_id,
    p_span_id: h.p_span_id,
    d_env: h.d_env,
    d_namespace: h.d_namespace,
  };
}

/** The fields of the given hops (latest version), by `${d_key}\0${message_key}`. */
async function hopMeta(store: Store, hops: Array<{ d_key: string; message_key: string; atNs: bigint }>): Promise<Map<string, HopMeta>> {
  if (hops.length === 0) return new Map();
  let lo = hops[0]!.atNs;
  let hi = hops[0]!.atNs;
  for (const h of hops) {
    if (h.atNs < lo) lo = h.atNs;
    if (h.atNs > hi) hi = h.atNs;
  }
  const last = (c: string) => `argMax(${c}, version)`;
  const rows = await store.query<HopMeta & { d_key: string; message_key: string }>(
    `SELECT toString(d_key) AS d_key, toString(message_key) AS message_key,
            ${last('message')} AS message, ifNull(toString(${last('offset')}), '') AS offset, ${last('msg_key')} AS msg_key,
            if(${last('matched')} = 1, toString(toUnixTimestamp64Nano(assumeNotNull(${last('p_start')}))), '') AS p_start_ns,
            toString(toUnixTimestamp64Nano(any(d_start))) AS d_start_ns,
            ${last('d_trace_id')} AS d_trace_id, ${last('d_span_id')} AS d_span_id, toString(${last('d_service')}) AS d_service,
            ${last('p_trace_id')} AS p_trace_id, ${last('p_span_id')} AS p_span_id,
            toString(${last('d_env')}) AS d_env, toString(${last('d_namespace')}) AS d_namespace
       FROM ${store.database}.hops
      WHERE d_start >= toDateTime64({lo:String}, 9) AND d_start <= toDateTime64({hi:String}, 9)
        AND d_key IN (SELECT arrayJoin({keys:Array(UInt64)}))
      GROUP BY d_key, message_key`,
    { name: 'ordering:hops', params: { lo: sqlTime(lo), hi: sqlTime(hi), keys: [...new Set(hops.map((h) => BigInt(h.d_key)))] } },
  );
  return new Map(rows.map((r) => [`${r.d_key}\u0000${r.message_key}`, r]));
}
