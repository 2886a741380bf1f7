// Consumer status rules in the spirit of LinkedIn Burrow's evaluator: pure, no I/O. Given the lag
// series of one consumer group (or one partition of it) over a sliding window, say how it is doing
// and why. Rules, first match wins:
//   REWIND  delivered offsets went backwards (the consumer was reset / re-reads old offsets)
//   STOP    no deliveries for longer than the consumer had been active before
//           (now − lastDelivery > lastDelivery − firstDelivery) while messages wait or still arrive
//   OK      the backlog reached zero at some point in the window (caught up)
//   STALL   no deliveries in the window while the backlog stayed above zero
//   WARN    the backlog never decreased across the window and grew overall
//   OK      otherwise (making progress)
// Burrow's WARN also fires on a constant non-zero lag; here a steady backlog with deliveries is OK,
// because message counts (unlike committed offsets) are steady for a consumer that keeps pace.

export type LagStatus = 'OK' | 'WARN' | 'STALL' | 'STOP' | 'REWIND';

export interface LagWindowPoint {
  /** end of the point's interval, epoch ms */
  tMs: number;
  /** messages published but not yet delivered at tMs */
  backlog: number;
  /** first deliveries of messages during the interval */
  delivered: number;
  /** highest offset delivered during the interval, when offsets are known */
  deliveredOffsetMax?: number | null;
}

export interface LagEvaluationInput {
  /** the window, oldest first; only the span of time the consumer was observable (≤ now) */
  points: LagWindowPoint[];
  nowMs: number;
  /** first and last delivery start seen for the consumer (epoch ms), including the look-back */
  firstDeliveryMs: number | null;
  lastDeliveryMs: number | null;
  /** last publish to the destination (partition) seen, epoch ms */
  lastPublishMs: number | null;
}

export interface LagEvaluation {
  status: LagStatus;
  reason: string;
}

const SEVERITY: Record<LagStatus, number> = { OK: 0, WARN: 1, REWIND: 2, STALL: 3, STOP: 4 };

/** The more severe of several statuses (STOP > STALL > REWIND > WARN > OK). */
export function worst(evaluations: LagEvaluation[]): LagEvaluation {
  let w: LagEvaluation = { status: 'OK', reason: 'no data' };
  let first = true;
  for (const e of evaluations) {
    if (first || SEVERITY[e.status] > SEVERITY[w.status]) w = e;
    first = false;
  }
  return w;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

const iso = (ms: number) => new Date(ms).toISOString();
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function evaluateLag(input: LagEvaluationInput): LagEvaluation {
  const { points, nowMs, firstDeliveryMs, lastDeliveryMs, lastPublishMs } = input;
  if (points.length === 0) return { status: 'OK', reason: 'no messages in the window' };
  const last = points[points.length - 1]!;
  const backlog = last.backlog;

  // REWIND: the highest offset delivered in an interval fell below the previous interval's.
  let prev: LagWindowPoint | undefined;
  for (const p of points) {
    if (p.deliveredOffsetMax == null) continue;
    if (prev && p.deliveredOffsetMax < prev.deliveredOffsetMax!) {
      return {
        status: 'REWIND',
        reason: `delivered offsets went backwards: up to ${prev.deliveredOffsetMax} by ${iso(prev.tMs)}, then only up to ${p.deliveredOffsetMax} by ${iso(p.tMs)}`,
      };
    }
    prev = p;
  }

  // STOP: silent for longer than it had been active, with work waiting or still arriving.
  if (firstDeliveryMs !== null && lastDeliveryMs !== null) {
    const silentMs = nowMs - lastDeliveryMs;
    const activeMs = lastDeliveryMs - firstDeliveryMs;
    const stillPublished = lastPublishMs !== null && lastPublishMs > lastDeliveryMs;
    if (silentMs > activeMs && (backlog > 0 || stillPublished)) {
      return {
        status: 'STOP',
        reason:
          `no deliveries for ${formatDuration(silentMs)} (since ${iso(lastDeliveryMs)}), longer than the ` +
          `${formatDuration(activeMs)} it was active before; ` +
          (backlog > 0 ? `${plural(backlog, 'message')} waiting` : 'the destination is still being published to'),
      };
    }
  }

  const caughtUp = [...points].reverse().find((p) => p.backlog === 0);
  if (caughtUp) {
    return {
      status: 'OK',
      reason: caughtUp === last ? 'caught up: no messages waiting' : `caught up at ${iso(caughtUp.tMs)}; ${plural(backlog, 'message')} waiting now`,
    };
  }

  if (points.every((p) => p.delivered === 0)) {
    return {
      status: 'STALL',
      reason: `no deliveries in the window while messages wait (backlog ${points[0]!.backlog} → ${backlog})`,
    };
  }

  const neverDecreasing = points.every((p, i) => i === 0 || p.backlog >= points[i - 1]!.backlog);
  if (neverDecreasing && backlog > points[0]!.backlog) {
    return {
      status: 'WARN',
      reason: `backlog never decreased across the window and grew from ${points[0]!.backlog} to ${backlog}`,
    };
  }

  return {
    status: 'OK',
    reason: neverDecreasing
      ? `keeping pace: backlog steady at ${backlog}`
      : `making progress: backlog ${points[0]!.backlog} → ${backlog}, decreasing at times`,
  };
}
