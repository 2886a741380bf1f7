// The host clock offsets the pairing pass estimates (lib/hops/clocks.ts) and stores in host_clocks,
// as the views read them to correct times per host.
import type { Store } from '../store/index.js';

/** Clock offsets per host (host_clocks, estimated by the pairing pass), for SQL correcting times per host. */
export interface HostClocks {
  hosts: string[];
  offsetsNs: bigint[];
  basis: Map<string, string>;
}

/** Host clocks change at most every 10 s (the pass's estimate): one read per second per store serves every view. */
const CLOCKS_TTL_MS = 1_000;
const clocksRead = new WeakMap<Store, { at: number; clocks: Promise<HostClocks> }>();

/** The pass wrote new offsets: the next read is fresh. */
export function forgetHostClocks(store: Store): void {
  clocksRead.delete(store);
}

export function loadHostClocks(store: Store): Promise<HostClocks> {
  const now = performance.now();
  const memo = clocksRead.get(store);
  if (memo && now - memo.at < CLOCKS_TTL_MS) return memo.clocks;
  const clocks = store
    .query<{ host: string; offset_ns: string; basis: string }>(
      `SELECT host, toString(argMax(offset_ns, updated_ms)) AS offset_ns, argMax(basis, updated_ms) AS basis
         FROM ${store.database}.host_clocks GROUP BY host HAVING offset_ns != '0'`,
      { name: 'host-clocks' },
    )
    .then((rows) => ({ hosts: rows.map((r) => r.host), offsetsNs: rows.map((r) => BigInt(r.offset_ns)), basis: new Map(rows.map((r) => [r.host, r.basis])) }));
  clocksRead.set(store, { at: now, clocks });
  clocks.catch(() => clocksRead.delete(store));
  return clocks;
}

/** `transform(<host>, …)`: the host's clock offset in ns as SQL (params clockHosts / clockOffsets). */
export function hostOffsetSql(hostExpr: string, clocks: HostClocks): string {
  return clocks.hosts.length === 0 ? 'toInt64(0)' : `transform(${hostExpr}, {clockHosts:Array(String)}, {clockOffsets:Array(Int64)}, toInt64(0))`;
}

export const hostClockParams = (clocks: HostClocks) => ({ clockHosts: clocks.hosts, clockOffsets: clocks.offsetsNs });
