// The workload's decoded rows, for the child processes that insert them without HTTP: the pool
// requests decoded once, then handed out in batches with the round number stamped into the trace
// ids like the load clients do (round 1 first, so a child starting at round 1 inserts the very spans
// the HTTP ingest run sends first).
import fs from 'node:fs';
import type { SpanRow } from '../lib/store/rows.js';
import { decodeProtoTraces } from '../collector/otlp/proto.js';
import { buildPool, ROUND_OFFSETS } from './workload.js';

export interface PoolOptions {
  traces: number;
  spansPerRequest: number;
  /** nanoseconds since the epoch, decimal (JSON carries no bigint) */
  startNs: string;
}

/** The pool's rows in request order (one round). */
export function poolRows(opts: PoolOptions): SpanRow[] {
  const pool = buildPool({ traces: opts.traces, spansPerRequest: opts.spansPerRequest, startNs: BigInt(opts.startNs) });
  return pool.requests.flatMap((r) => decodeProtoTraces(r.body).rows);
}

/** Batches of `total` rows, rounds from `firstRound` up, each row's trace ids (span and links) stamped. */
export function* batches(rows: SpanRow[], total: number, batchSpans: number, firstRound = 1): Generator<SpanRow[]> {
  let sent = 0;
  let round = firstRound;
  let i = 0;
  while (sent < total) {
    const n = Math.min(batchSpans, total - sent);
    const batch: SpanRow[] = new Array(n);
    for (let k = 0; k < n; k++) {
      if (i === rows.length) {
        i = 0;
        round++;
      }
      const r = rows[i++]!;
      const prefix = round.toString(16).padStart(8, '0');
      batch[k] = {
        ...r,
        trace_id: prefix + r.trace_id.slice(8),
        'links.trace_id': r['links.trace_id'].map((t) => prefix + t.slice(8)),
      };
      // offsets move on per round as stampRound moves those of a request sent without a time shift
      // (these rows keep the pool's times)
      if (r.msg_offset !== null) {
        const offset = String(Number(r.msg_offset) + round * ROUND_OFFSETS);
        batch[k]!.msg_offset = offset;
        batch[k]!.span_attributes = { ...r.span_attributes, 'messaging.kafka.offset': offset };
      }
    }
    sent += n;
    yield batch;
  }
}

/** The first round after `spans` rows of `rowsPerRound`, so a later run repeats none of them. */
export const roundAfter = (firstRound: number, spans: number, rowsPerRound: number) => firstRound + 1 + Math.ceil(spans / rowsPerRound);

/**
 * A row's resource and scope attributes, whichever row shape the decoder produces: the lean one
 * (a shared `resource` object, stored once in `resources`) or the earlier flat one (maps on the row).
 */
export function resourceOf(row: SpanRow): { resource_attributes: Record<string, string>; scope_attributes: Record<string, string>; attribute_types: Record<string, string> } {
  const r = row as unknown as Record<string, any>;
  if (r.resource && typeof r.resource === 'object') return r.resource;
  return { resource_attributes: r.resource_attributes ?? {}, scope_attributes: r.scope_attributes ?? {}, attribute_types: {} };
}

/**
 * The row as the store's JSONEachRow carried it before the lean row: resource and scope maps on
 * every span, one type map (for the 'before' encoder of the per-stage table).
 */
export function flatRow(row: SpanRow): Record<string, unknown> {
  const r = row as unknown as Record<string, any>;
  if (!r.resource || typeof r.resource !== 'object') return r;
  const { resource, ...rest } = r;
  return {
    ...rest,
    resource_attributes: resource.resource_attributes,
    scope_attributes: resource.scope_attributes,
    attribute_types: { ...resource.attribute_types, ...rest.attribute_types },
  };
}

export const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

/** Peak RSS (VmHWM) of this process. */
export function peakRss(): number {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0) * 1024;
}
