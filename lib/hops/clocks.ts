// Per-host clock offsets from the hops (DESIGN §6: "clock skew across hosts is corrected per host"):
// a message cannot be delivered before its publish started, so when a consumer on host D starts
// before its producer on host P started, P's clock is ahead of D's by at least that much. Pure:
// evidence in, offsets out. The offset of a host is added to its span times to put them on the
// clock of its component's reference host (the host that consumed most); it is the least shift
// that makes every observed delivery start after its publish started — a lower bound, so a queue
// time is never made longer than the clocks force.

export interface ClockEvidence {
  producerHost: string;
  consumerHost: string;
  /** min over the pair's hops of (deliver start − publish start), ns; negative = impossible on true clocks */
  minStartGapNs: bigint;
  hops: number;
}

/** A synchronous call between hosts: the server span must lie inside its client span. */
export interface CallClockEvidence {
  clientHost: string;
  serverHost: string;
  /** median over the pair's calls of the shift that centres the server span in its client span, ns (0 when inside) */
  medianCorrectionNs: bigint;
  calls: number;
}

export interface HostOffset {
  offsetNs: bigint;
  /** how it was decided, for the UI: `orders-1 → billing-2: a delivery started 2,950 ms before its publish` */
  basis: string;
}

const fmtMs = (ns: bigint) => `${(Number(ns) / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })} ms`;

/**
 * Offsets from both kinds of evidence. Hosts joined by synchronous calls form rigid groups: a
 * server host's offset relative to its client's is the centring shift (as the timeline's adjuster
 * computes it), taken from the group's busiest host. Groups are then placed against each other by
 * the hop bounds, each by the shift closest to 0 that keeps its deliveries after their publishes.
 * The reference is the largest group (most hosts, then most evidence, then by name), so the result
 * does not depend on input order.
 */
export function estimateHostOffsets(evidence: ClockEvidence[], calls: CallClockEvidence[] = []): Map<string, HostOffset> {
  const pairs = evidence.filter((e) => e.producerHost && e.consumerHost && e.producerHost !== e.consumerHost);
  const sync = calls.filter((c) => c.clientHost && c.serverHost && c.clientHost !== c.serverHost);
  const weight = new Map<string, number>();
  const syncOf = new Map<string, CallClockEvidence[]>();
  const add = (h: string, w: number) => weight.set(h, (weight.get(h) ?? 0) + w);
  for (const e of pairs) {
    add(e.consumerHost, e.hops);
    add(e.producerHost, 0);
  }
  for (const c of sync) {
    add(c.clientHost, c.calls);
    add(c.serverHost, 0);
    for (const h of [c.clientHost, c.serverHost]) {
      let list = syncOf.get(h);
      if (!list) syncOf.set(h, (list = []));
      list.push(c);
    }
  }
  const heaviest = (a: string, b: string) => weight.get(b)! - weight.get(a)! || a.localeCompare(b);

  // 1. rigid groups by synchronous calls, offsets relative to the group's busiest host
  const group = new Map<string, number>();
  const rel = new Map<string, bigint>();
  const why = new Map<string, string>();
  const groups: string[][] = [];
  for (const start of [...weight.keys()].sort(heaviest)) {
    if (group.has(start)) continue;
    const members = [start];
    group.set(start, groups.length);
    rel.set(start, 0n);
    for (let i = 0; i < members.length; i++) {
      const u = members[i]!;
      const calls = [...(syncOf.get(u) ?? [])].sort((a, b) => b.calls - a.calls || a.clientHost.localeCompare(b.clientHost) || a.serverHost.localeCompare(b.serverHost));
      for (const c of calls) {
        const other = c.clientHost === u ? c.serverHost : c.clientHost;
        if (group.has(other)) continue;
        group.set(other, groups.length);
        rel.set(other, rel.get(u)! + (c.clientHost === u ? c.medianCorrectionNs : -c.medianCorrectionNs));
        const shift = c.medianCorrectionNs < 0n ? -c.medianCorrectionNs : c.medianCorrectionNs;
        why.set(other, `${c.clientHost} → ${c.serverHost}: ${c.calls} synchronous call${c.calls === 1 ? '' : 's'} put the server span inside its client span (${fmtMs(shift)})`);
        members.push(other);
      }
    }
    groups.push(members);
  }

  // 2. the hop bounds between groups: O_producerGroup − O_consumerGroup ≤ gap + rel(consumer) − rel(producer)
  const bounds = new Map<string, { limit: bigint; e: ClockEvidence; hops: number }>(); // `${pg}>${cg}`
  for (const e of pairs) {
    const pg = group.get(e.producerHost)!;
    const cg = group.get(e.consumerHost)!;
    if (pg === cg) continue; // rigid: calls decided
    const limit = e.minStartGapNs + rel.get(e.consumerHost)! - rel.get(e.producerHost)!;
    const k = `${pg}>${cg}`;
    const b = bounds.get(k);
    if (!b) bounds.set(k, { limit, e, hops: e.hops });
    else {
      b.hops += e.hops;
      if (limit < b.limit) Object.assign(b, { limit, e });
    }
  }
  const weightOf = (g: string[]) => g.reduce((n, h) => n + weight.get(h)!, 0);
  const order = groups
    .map((g, i) => ({ g, i }))
    .sort((a, b) => b.g.length - a.g.length || weightOf(b.g) - weightOf(a.g) || a.g[0]!.localeCompare(b.g[0]!))
    .map((x) => x.i);
  const placed = new Map<number, bigint>();
  const groupWhy = new Map<number, string>();
  for (const root of order) {
    if (placed.has(root)) continue;
    placed.set(root, 0n);
    const queue = [root];
    for (let i = 0; i < queue.length; i++) {
      const u = queue[i]!;
      const ou = placed.get(u)!;
      const edges = [...bounds.entries()]
        .filter(([k]) => k.startsWith(`${u}>`) || k.endsWith(`>${u}`))
        .sort(([ka, a], [kb, b]) => b.hops - a.hops || ka.localeCompare(kb));
      for (const [k, b] of edges) {
        const [pg, cg] = k.split('>').map(Number) as [number, number];
        let other: number;
        let o: bigint;
        if (cg === u) {
          other = pg;
          const most = ou + b.limit;
          o = most >= 0n ? 0n : most;
        } else {
          other = cg;
          const least = ou - b.limit;
          o = least <= 0n ? 0n : least;
        }
        if (placed.has(other)) continue;
        placed.set(other, o);
        const gap = b.e.minStartGapNs;
        groupWhy.set(
          other,
          gap < 0n
            ? `${b.e.producerHost} → ${b.e.consumerHost}: a delivery started ${fmtMs(-gap)} before its publish started`
            : `${b.e.producerHost} → ${b.e.consumerHost}: keeps its deliveries after their publishes once the other host is corrected`,
        );
        queue.push(other);
      }
    }
  }

  const out = new Map<string, HostOffset>();
  for (const [h, g] of group) {
    const o = placed.get(g)! + rel.get(h)!;
    if (o === 0n) continue;
    out.set(h, { offsetNs: o, basis: rel.get(h) !== 0n ? why.get(h)! : groupWhy.get(g)! });
  }
  return out;
}
