// Flows and stuck transactions (DESIGN §1, §6; issue 13), pure. Input: one row per (business
// transaction, step, consumer group) — a step is a message type (else its destination) delivered
// for the transaction, at its earliest publish (else delivery). A flow is the business key plus the first step of
// its transactions; its usual steps are the most common step sequence of its transactions, each with
// the p50/p95 time from the previous step. A transaction that followed the usual steps so far and
// stopped before the usual end for longer than the next step's allowance is stuck.

export interface FlowStepRow {
  key: string;
  value: string;
  /** message type, else destination */
  step: string;
  destination: string;
  consumerGroup: string;
  /** the service that published the step's message ('' when the publish is unknown) */
  publisher: string;
  /** earliest publish of the step's message delivered to this group (its delivery when the publish is unknown), epoch ms */
  atMs: number;
}

export interface FlowOptions {
  nowMs: number;
  fromMs: number;
  toMs: number;
  /** a transaction is stuck after max(minMs, multiplier × p95 of the missing step's usual time) */
  stuckMultiplier: number;
  stuckMinMs: number;
  /** transactions that must have gone the whole usual way before a flow judges anything */
  minSamples: number;
  /** points of the stuck-count series */
  buckets: number;
}

export interface UsualStep {
  index: number;
  label: string;
  destination: string;
  /** consumer groups that usually receive the step, most frequent first */
  consumerGroups: string[];
  /** services that usually publish it, most frequent first */
  publishers: string[];
  /** time from the previous step to this one (null for the first step) */
  p50Ms: number | null;
  p95Ms: number | null;
  /** transactions the times are measured on */
  samples: number;
  /** how long a transaction may wait for this step before it is stuck (null for the first step) */
  stuckAfterMs: number | null;
}

export interface FlowSummary {
  /** `<key>:<first step>`, the `flow` filter of /api/flows/stuck */
  id: string;
  key: string;
  entry: string;
  transactions: number;
  /** transactions that went the whole usual way */
  completed: number;
  /** transactions still on the usual way (not complete, not yet stuck) */
  inProgress: number;
  /** transactions that took another path (a step the usual sequence does not have, or another order) */
  otherPaths: number;
  stuck: number;
  /** false when fewer than minSamples transactions completed the usual steps: nothing is judged */
  learnt: boolean;
  usualSteps: UsualStep[];
  /** stuck transactions at the end of each bucket */
  series: { t: string; stuck: number }[];
}

export interface StuckTransaction {
  flowId: string;
  key: string;
  value: string;
  /** the last usual step it reached */
  reached: { index: number; label: string; at: string; consumerGroups: string[] };
  /** the step that did not come, and who usually handles it */
  missing: { index: number; label: string; destination: string; consumerGroups: string[]; publishers: string[]; p95Ms: number | null };
  waitingMs: number;
  stuckAfterMs: number;
  startedAt: string;
  /** the transaction page */
  link: string;
}

export interface FlowsModel {
  flows: FlowSummary[];
  stuck: StuckTransaction[];
}

interface Tx {
  key: string;
  value: string;
  steps: Map<string, { atMs: number; groups: Set<string>; destination: string; publishers: Set<string> }>;
  /** step labels by first delivery */
  sequence: string[];
}

export function transactionsOf(rows: readonly FlowStepRow[]): Tx[] {
  const byTx = new Map<string, Tx>();
  for (const r of rows) {
    const id = r.key + '\0' + r.value;
    let tx = byTx.get(id);
    if (!tx) byTx.set(id, (tx = { key: r.key, value: r.value, steps: new Map(), sequence: [] }));
    let s = tx.steps.get(r.step);
    if (!s) tx.steps.set(r.step, (s = { atMs: r.atMs, groups: new Set(), destination: r.destination, publishers: new Set() }));
    s.atMs = Math.min(s.atMs, r.atMs);
    if (r.consumerGroup) s.groups.add(r.consumerGroup);
    if (r.publisher) s.publishers.add(r.publisher);
  }
  for (const tx of byTx.values()) {
    tx.sequence = [...tx.steps.entries()].sort((a, b) => a[1].atMs - b[1].atMs || (a[0] < b[0] ? -1 : 1)).map(([label]) => label);
  }
  return [...byTx.values()];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const ranked = (counts: Map<string, number>): string[] =>
  [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);

/** How many of the usual steps `tx` reached as a prefix (set-wise), or -1 when it left the usual path. */
function prefixLength(labels: readonly string[], usual: readonly string[]): number {
  const n = labels.length;
  if (n > usual.length) return -1;
  const want = new Set(usual.slice(0, n));
  return labels.every((l) => want.has(l)) ? n : -1;
}

/** The most common step sequence; ties go to the longer one, then alphabetically (deterministic). */
function usualSequence(txs: readonly Tx[]): string[] {
  const counts = new Map<string, { seq: string[]; n: number }>();
  for (const tx of txs) {
    const k = tx.sequence.join('\0');
    const c = counts.get(k);
    if (c) c.n++;
    else counts.set(k, { seq: tx.sequence, n: 1 });
  }
  const best = [...counts.entries()].sort((a, b) => b[1].n - a[1].n || b[1].seq.length - a[1].seq.length || (a[0] < b[0] ? -1 : 1))[0];
  return best ? best[1].seq : [];
}

export function buildFlows(rows: readonly FlowStepRow[], o: FlowOptions): FlowsModel {
  const byFlow = new Map<string, Tx[]>();
  for (const tx of transactionsOf(rows)) {
    const id = tx.key + ':' + tx.sequence[0]!;
    const list = byFlow.get(id);
    if (list) list.push(tx);
    else byFlow.set(id, [tx]);
  }
  const end = Math.min(o.toMs, o.nowMs);
  const buckets = Math.max(1, o.buckets);
  const stepMs = Math.max(1, (end - o.fromMs) / buckets);
  const flows: FlowSummary[] = [];
  const stuck: StuckTransaction[] = [];

  for (const [id, txs] of [...byFlow.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))) {
    const usual = usualSequence(txs);
    const onPath = txs.map((tx) => ({ tx, reached: prefixLength(tx.sequence, usual) })).filter((x) => x.reached > 0);
    const completed = onPath.filter((x) => x.reached === usual.length).length;
    const learnt = usual.length >= 2 && completed >= o.minSamples;

    const usualSteps: UsualStep[] = usual.map((label, index) => {
      const groups = new Map<string, number>();
      const publishers = new Map<string, number>();
      const destinations = new Map<string, number>();
      const times: number[] = [];
      for (const { tx, reached } of onPath) {
        const s = tx.steps.get(label);
        if (!s) continue;
        for (const g of s.groups) groups.set(g, (groups.get(g) ?? 0) + 1);
        for (const p of s.publishers) publishers.set(p, (publishers.get(p) ?? 0) + 1);
        destinations.set(s.destination, (destinations.get(s.destination) ?? 0) + 1);
        const prev = index > 0 && reached > index ? tx.steps.get(usual[index - 1]!) : undefined;
        if (prev) times.push(Math.max(0, s.atMs - prev.atMs));
      }
      times.sort((a, b) => a - b);
      const p95 = index === 0 ? null : percentile(times, 95);
      return {
        index,
        label,
        destination: ranked(destinations)[0] ?? '',
        consumerGroups: ranked(groups),
        publishers: ranked(publishers),
        p50Ms: index === 0 ? null : percentile(times, 50),
        p95Ms: p95,
        samples: index === 0 ? onPath.length : times.length,
        stuckAfterMs: index === 0 ? null : Math.max(o.stuckMinMs, o.stuckMultiplier * (p95 ?? 0)),
      };
    });

    const series = Array.from({ length: buckets }, (_, j) => ({ t: new Date(Math.round(o.fromMs + (j + 1) * stepMs)).toISOString(), stuck: 0 }));
    let stuckNow = 0;
    let inProgress = 0;
    for (const { tx, reached } of onPath) {
      if (!learnt) break;
      if (reached < usual.length) {
        const last = Math.max(...[...tx.steps.values()].map((s) => s.atMs));
        const next = usualSteps[reached]!;
        const waitingMs = o.nowMs - last;
        if (waitingMs > next.stuckAfterMs!) {
          stuckNow++;
          const at = usualSteps[reached - 1]!;
          const prevStep = tx.steps.get(at.label)!;
          stuck.push({
            flowId: id,
            key: tx.key,
            value: tx.value,
            reached: { index: at.index, label: at.label, at: new Date(prevStep.atMs).toISOString(), consumerGroups: [...prevStep.groups].sort() },
            missing: { index: next.index, label: next.label, destination: next.destination, consumerGroups: next.consumerGroups, publishers: next.publishers, p95Ms: next.p95Ms },
            waitingMs,
            stuckAfterMs: next.stuckAfterMs!,
            startedAt: new Date(tx.steps.get(tx.sequence[0]!)!.atMs).toISOString(),
            link: `/transactions/${encodeURIComponent(tx.key)}/${encodeURIComponent(tx.value)}`,
          });
        } else inProgress++;
      }
      // the series: was it stuck at the end of each bucket, judged with what it had reached by then?
      const times = usual.map((l) => tx.steps.get(l)?.atMs ?? Infinity);
      for (let j = 0; j < buckets; j++) {
        const t = o.fromMs + (j + 1) * stepMs;
        const by = times.filter((x) => x <= t);
        if (by.length === 0 || by.length === usual.length) continue;
        if (prefixLength(usual.filter((_, i) => times[i]! <= t), usual) !== by.length) continue;
        const next = usualSteps[by.length]!;
        if (t - Math.max(...by) > next.stuckAfterMs!) series[j]!.stuck++;
      }
    }
    flows.push({
      id,
      key: txs[0]!.key,
      entry: usual[0] ?? '',
      transactions: txs.length,
      completed,
      inProgress: learnt ? inProgress : onPath.length - completed,
      otherPaths: txs.length - onPath.length,
      stuck: stuckNow,
      learnt,
      usualSteps,
      series,
    });
  }
  stuck.sort((a, b) => b.waitingMs - a.waitingMs || (a.value < b.value ? -1 : 1));
  return { flows, stuck };
}
