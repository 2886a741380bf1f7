// Consumer status rules in the spirit of LinkedIn Burrow's evaluator: pure, no I/O. Given the lag
// series of one consumer group (or one partition of it) over a sliding window, say how it is doing
// and why. The window is the last STATUS_WINDOW_MS before the range's end, whatever the range
// (Burrow's window is the last few offset commits): the status describes now, not the whole range.
// Rules, first match wins:
//   STOP    no deliveries for longer than the consumer had been active before
//           (now − lastDelivery > lastDelivery − firstDelivery) while messages wait or still arrive
//   REWIND  delivered offsets went backwards (the consumer was reset / re-reads old offsets)
//   OK      the backlog reached zero at some point in the window (caught up)
//   STALL   no deliveries in the window while the backlog stayed above zero
//   WARN    the backlog never decreased across the window and grew overall (over at least
//           MIN_TREND_POINTS intervals: fewer are too short a history for a trend)
//   OK      otherwise (making progress)
// Burrow's WARN also fires on a constant non-zero lag; here a steady backlog with deliveries is OK,
// because message counts (unlike committed offsets) are steady for a consumer that keeps pace.
// Where two of the problem statuses hold at once, the rules report the more severe one in the one
// order of lib/domain.ts (STOP before REWIND: a consumer that rewound and then went silent is gone);
// the caught-up OK sits above STALL and WARN because a backlog that reached zero is no problem.

import { worstByStatus, type LagStatus } from '../domain.js';

export type { LagStatus } from '../domain.js';

/**
 * How far back the status looks from the range's end: 15 minutes, the default range of /api/lag
 * and the flow map's "current lag", so the status of a group reads the same on every view and for
 * every range. Long enough to see a trend through a few quiet minutes, short enough that a backlog
 * that was zero an hour ago does not make a group that has been falling behind since read OK.
 */
export const STATUS_WINDOW_MS = 15 * 60_000;
/**
 * The step the status is evaluated at over a full window: 15 points (Burrow evaluates about ten
 * offset commits). See statusGrid.
 */
export const STATUS_STEP_MS = 60_000;
const STATUS_POINTS = STATUS_WINDOW_MS / STATUS_STEP_MS;
/**
 * The fewest intervals WARN is judged on (Burrow waits for a full window of offset commits): a
 * group observable for less long — new, or a dashboard started minutes ago — whose few messages in
 * flight happen to read 2, 2, 3 at the minutes is not falling behind.
 */
export const MIN_TREND_POINTS = 5;

/** The intervals a status is judged on: `points` of `stepMs` from `fromMs`, the last holding the range's end. */
export interface StatusGrid {
  fromMs: number;
  stepMs: number;
  points: number;
  /** where the window starts: the range's start when it is shorter than STATUS_WINDOW_MS */
  windowFromMs: number;
}

/**
 * The one grid a status is judged on, whatever the step a view asks for: intervals of a minute
 * over a full window, on the clock's minutes; of a fifteenth of the range (whole seconds) when the
 * range is shorter, from its start's second — so the store's minute or second cells fall wholly into
 * one interval — from the one holding the window's start to the one holding endMs. Judged on a view's
 * own step, the status depended on it: a backlog that dips between two minutes reads "never
 * decreased" on a one-minute grid and "decreasing at times" on a 15 s one, and the flow map and the
 * lag page disagreed.
 */
export function statusGrid(rangeFromMs: number, endMs: number): StatusGrid {
  const windowFromMs = Math.max(rangeFromMs, endMs - STATUS_WINDOW_MS);
  const spanMs = endMs - windowFromMs;
  const stepMs = spanMs >= STATUS_WINDOW_MS ? STATUS_STEP_MS : Math.max(1_000, Math.ceil(spanMs / STATUS_POINTS / 1_000) * 1_000);
  const unitMs = stepMs === STATUS_STEP_MS ? STATUS_STEP_MS : 1_000;
  const fromMs = Math.floor(windowFromMs / unitMs) * unitMs;
  return { fromMs, stepMs, points: Math.max(1, Math.ceil((endMs - fromMs) / stepMs)), windowFromMs };
}

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
  /**
   * deliveries in the window that re-read offsets the consumer had moved past (the hop model's
   * rewind marks): its position was reset
   */
  replays?: { count: number; lastMs: number; minOffset: number | null; maxOffset: number | null } | null;
}

export interface LagEvaluation {
  status: LagStatus;
  reason: string;
}

/** The most severe of several evaluations, in the order of LAG_STATUSES (lib/domain.ts). */
export function worst(evaluations: LagEvaluation[]): LagEvaluation {
  return worstByStatus(evaluations, (e) => e.status) ?? { status: 'OK', reason: 'no data' };
}

/**
 * The points of a series whose interval ends within the window that ends at endMs (a series stops
 * at the interval holding endMs, which may end a little after it).
 */
export function statusWindow<P extends { tMs: number }>(points: readonly P[], endMs: number, windowMs = STATUS_WINDOW_MS): P[] {
  return points.filter((p) => p.tMs > endMs - windowMs);
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

  // REWIND: it re-read offsets it had already processed and moved past.
  const replays = input.replays;
  if (replays && replays.count > 0) {
    const range = replays.minOffset === null ? '' : replays.minOffset === replays.maxOffset ? ` (offset ${replays.minOffset})` : ` (offsets ${replays.minOffset}–${replays.maxOffset})`;
    return {
      status: 'REWIND',
      reason: `re-read ${plural(replays.count, 'message')} it had already processed${range}, the latest at ${iso(replays.lastMs)}: its position was reset`,
    };
  }

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
    if (points.length < MIN_TREND_POINTS) {
      return {
        status: 'OK',
        reason: `backlog grew from ${points[0]!.backlog} to ${backlog} over only ${plural(points.length, 'interval')}: too short a history to call it a trend`,
      };
    }
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
