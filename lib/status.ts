// What /api/health knows beyond what it asks the store: how the last span write went, the
// collector's queue and pairing pass, and the disk budget. Process-wide on globalThis (as
// lib/metrics.ts): the collector (loaded by tsx) and the route handlers (bundled by Next.js) must see
// the same state.

/** A span write that failed; cleared by the next write that commits. */
export interface WriteFailure {
  atMs: number;
  message: string;
  /** the engine said the disk is full (lib/store/writer.ts isDiskFull) */
  diskFull: boolean;
}

/** The collector's side, read when health is asked. */
export interface CollectorStatus {
  queuedSpans: number;
  queuedBytes: number;
  maxQueueSpans: number;
  maxQueueBytes: number;
  /** the pairing pass's last error, null when its last pass ran */
  pairingError: string | null;
}

interface State {
  writeFailure?: WriteFailure;
  collector?: () => CollectorStatus;
  /** a disk budget that cannot be kept (only today's data is left), in a sentence */
  retentionProblem?: string;
  /** rises whenever days are dropped for the disk budget: the writer's resource cache forgets then */
  dropEpoch?: number;
}

const KEY = Symbol.for('eventscope.status');

function state(): State {
  const g = globalThis as { [KEY]?: State };
  g[KEY] ??= {};
  return g[KEY];
}

/** Records the outcome of a span write: `err` when it failed, nothing when it committed. */
export function noteWrite(err?: unknown, diskFull = false, now = Date.now()): void {
  const s = state();
  if (err === undefined) s.writeFailure = undefined;
  else s.writeFailure = { atMs: now, message: err instanceof Error ? err.message : String(err), diskFull };
}

/** The collector registers how to read its queue and pairing pass; undefined when it stops. */
export function registerCollectorStatus(read: (() => CollectorStatus) | undefined): void {
  state().collector = read;
}

/** Days were dropped (their resources too): a span written for such a day again needs its resource again. */
export function noteDaysDropped(): void {
  const s = state();
  s.dropEpoch = (s.dropEpoch ?? 0) + 1;
}

export function dropEpoch(): number {
  return state().dropEpoch ?? 0;
}

export function noteRetentionProblem(problem: string | undefined): void {
  state().retentionProblem = problem;
}

/** Forgets everything (a store opened anew starts clean). */
export function resetStatus(): void {
  const s = state();
  s.writeFailure = undefined;
  s.retentionProblem = undefined;
}

export function currentStatus(): { writeFailure?: WriteFailure; collector?: CollectorStatus; retentionProblem?: string } {
  const s = state();
  return { writeFailure: s.writeFailure, collector: s.collector?.(), retentionProblem: s.retentionProblem };
}
