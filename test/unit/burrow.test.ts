// Burrow-style consumer status rules: each rule on its own, then their precedence.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateLag, statusGrid, statusWindow, STATUS_WINDOW_MS, worst, type LagWindowPoint, type LagEvaluationInput } from '../../lib/analysis/burrow.js';
import { byLagSeverityDesc, LAG_STATUSES, lagSeverity, type LagStatus } from '../../lib/domain.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const STEP = 10_000;

/** points from backlog values; delivered per point defaults to 1 */
function series(backlogs: number[], opts: { delivered?: number[]; offsets?: Array<number | null> } = {}): LagWindowPoint[] {
  return backlogs.map((backlog, i) => ({
    tMs: T0 + (i + 1) * STEP,
    backlog,
    delivered: opts.delivered?.[i] ?? 1,
    deliveredOffsetMax: opts.offsets?.[i] ?? null,
  }));
}

function input(points: LagWindowPoint[], over: Partial<LagEvaluationInput> = {}): LagEvaluationInput {
  const nowMs = points.at(-1)?.tMs ?? T0;
  return { points, nowMs, firstDeliveryMs: T0, lastDeliveryMs: nowMs - 1000, lastPublishMs: nowMs - 1000, ...over };
}

describe('evaluateLag rules', () => {
  it('no points → OK with an explanation', () => {
    assert.deepEqual(evaluateLag(input([])), { status: 'OK', reason: 'no messages in the window' });
  });

  it('REWIND when the delivered offset falls below the previous interval', () => {
    const e = evaluateLag(input(series([3, 3, 4, 4], { offsets: [10, 20, null, 12] })));
    assert.equal(e.status, 'REWIND');
    assert.match(e.reason, /up to 20 .* then only up to 12/);
  });

  it('no REWIND when offsets only increase or stay', () => {
    assert.notEqual(evaluateLag(input(series([3, 2, 1], { offsets: [10, 10, 15] }))).status, 'REWIND');
  });

  it('STOP when silent longer than active and messages wait', () => {
    const points = series([0, 1, 2, 3, 4, 5, 6], { delivered: [1, 1, 0, 0, 0, 0, 0] });
    const e = evaluateLag(input(points, { firstDeliveryMs: T0, lastDeliveryMs: T0 + 20_000, nowMs: T0 + 70_000 }));
    assert.equal(e.status, 'STOP');
    assert.match(e.reason, /no deliveries for 50s .* longer than the 20s it was active before; 6 messages waiting/);
  });

  it('STOP also when nothing waits but the destination is still published to', () => {
    const points = series([0, 0], { delivered: [1, 0] });
    // backlog 0 at the end but published after the last delivery (e.g. backlog counted elsewhere)
    const e = evaluateLag(input(points, { firstDeliveryMs: T0, lastDeliveryMs: T0 + 5_000, nowMs: T0 + 20_000, lastPublishMs: T0 + 19_000 }));
    assert.equal(e.status, 'STOP');
    assert.match(e.reason, /still being published to/);
  });

  it('no STOP when the silence is shorter than the active period', () => {
    const points = series([5, 6, 7], { delivered: [0, 0, 0] });
    const e = evaluateLag(input(points, { firstDeliveryMs: T0 - 100_000, lastDeliveryMs: T0 - 1_000, nowMs: T0 + 30_000 }));
    assert.equal(e.status, 'STALL');
  });

  it('no STOP for a quiet destination with nothing waiting', () => {
    const points = series([1, 0, 0], { delivered: [1, 1, 0] });
    const e = evaluateLag(input(points, { firstDeliveryMs: T0, lastDeliveryMs: T0 + 1_000, nowMs: T0 + 30_000, lastPublishMs: T0 + 500 }));
    assert.equal(e.status, 'OK');
    assert.equal(e.reason, 'caught up: no messages waiting');
  });

  it('OK when the backlog reached zero in the window', () => {
    const e = evaluateLag(input(series([5, 9, 0, 2, 4])));
    assert.equal(e.status, 'OK');
    assert.match(e.reason, /^caught up at .*; 4 messages waiting now$/);
  });

  it('STALL when nothing is delivered while the backlog stays above zero', () => {
    const e = evaluateLag(input(series([4, 5, 6], { delivered: [0, 0, 0] }), { lastDeliveryMs: T0 + 29_000, firstDeliveryMs: T0 - 600_000 }));
    assert.deepEqual(e, { status: 'STALL', reason: 'no deliveries in the window while messages wait (backlog 4 → 6)' });
  });

  it('WARN when the backlog never decreases and grows', () => {
    const e = evaluateLag(input(series([1, 2, 2, 3, 5])));
    assert.deepEqual(e, { status: 'WARN', reason: 'backlog never decreased across the window and grew from 1 to 5' });
  });

  it('no WARN on fewer than five intervals: a backlog of messages in flight that read 2, 2, 3 is no trend', () => {
    assert.deepEqual(evaluateLag(input(series([2, 2, 3]))), {
      status: 'OK',
      reason: 'backlog grew from 2 to 3 over only 3 intervals: too short a history to call it a trend',
    });
    assert.equal(evaluateLag(input(series([2, 2, 3, 3, 4]))).status, 'WARN');
  });

  it('OK when the backlog is steady with deliveries', () => {
    assert.deepEqual(evaluateLag(input(series([3, 3, 3]))), { status: 'OK', reason: 'keeping pace: backlog steady at 3' });
  });

  it('OK when the backlog decreases at times', () => {
    const e = evaluateLag(input(series([3, 5, 4, 6])));
    assert.equal(e.status, 'OK');
    assert.match(e.reason, /making progress: backlog 3 → 6/);
  });
});

describe('evaluateLag precedence', () => {
  it('STOP beats REWIND: a consumer that rewound and then went silent reads as the more severe STOP', () => {
    const points = series([1, 2, 3], { delivered: [1, 1, 0], offsets: [9, 3, null] });
    const e = evaluateLag(input(points, { firstDeliveryMs: T0, lastDeliveryMs: T0 + 1_000, nowMs: T0 + 60_000 }));
    assert.equal(e.status, 'STOP');
  });

  it('REWIND beats caught-up OK: a consumer still re-reading old offsets', () => {
    const e = evaluateLag(input(series([0, 0, 0], { offsets: [9, 3, 4] })));
    assert.equal(e.status, 'REWIND');
  });

  it('STOP beats caught-up OK', () => {
    const points = series([0, 2, 4], { delivered: [1, 0, 0] });
    const e = evaluateLag(input(points, { firstDeliveryMs: T0, lastDeliveryMs: T0 + 2_000, nowMs: T0 + 30_000 }));
    assert.equal(e.status, 'STOP');
  });

  it('caught-up OK beats STALL and WARN', () => {
    // never decreasing, and no deliveries after the zero: still OK because it was caught up
    const e = evaluateLag(input(series([0, 1, 2], { delivered: [0, 0, 0] }), { lastDeliveryMs: T0 + 29_000, firstDeliveryMs: T0 - 600_000 }));
    assert.equal(e.status, 'OK');
  });

  it('STALL beats WARN', () => {
    const e = evaluateLag(input(series([1, 2, 3], { delivered: [0, 0, 0] }), { lastDeliveryMs: T0 + 29_000, firstDeliveryMs: T0 - 600_000 }));
    assert.equal(e.status, 'STALL');
  });
});

describe('one severity order (lib/domain.ts)', () => {
  it('least to most severe: OK, WARN, REWIND, STALL, STOP', () => {
    assert.deepEqual([...LAG_STATUSES], ['OK', 'WARN', 'REWIND', 'STALL', 'STOP']);
    assert.deepEqual(LAG_STATUSES.map(lagSeverity), [0, 1, 2, 3, 4]);
    assert.equal(lagSeverity('SOMETHING'), -1, 'an unknown status never outranks a known one');
  });

  it('sorts the worst first', () => {
    const shuffled: LagStatus[] = ['WARN', 'STOP', 'OK', 'REWIND', 'STALL'];
    assert.deepEqual([...shuffled].sort(byLagSeverityDesc), ['STOP', 'STALL', 'REWIND', 'WARN', 'OK']);
  });
});

describe('worst', () => {
  it('orders STOP > STALL > REWIND > WARN > OK', () => {
    const e = (status: any) => ({ status, reason: status });
    assert.equal(worst([e('OK'), e('WARN'), e('REWIND')]).status, 'REWIND');
    assert.equal(worst([e('STALL'), e('REWIND'), e('WARN')]).status, 'STALL');
    assert.equal(worst([e('OK'), e('STOP'), e('STALL')]).status, 'STOP');
    assert.equal(worst([e('OK')]).status, 'OK');
    assert.equal(worst([]).reason, 'no data');
  });
});

describe('status window: the status describes the range end, whatever the range', () => {
  const MIN = 60_000;
  /** one point a minute for an hour: caught up for 40 minutes, then the backlog grows 3 a minute */
  const hour = Array.from({ length: 60 }, (_, i) => ({ tMs: T0 + (i + 1) * MIN, backlog: i < 40 ? 0 : 3 * (i - 39), delivered: 3 }));
  const end = T0 + 60 * MIN;
  const judge = (points: LagWindowPoint[]) => evaluateLag({ points, nowMs: end, firstDeliveryMs: T0, lastDeliveryMs: end - 1_000, lastPublishMs: end - 1_000 });

  it('keeps the points whose interval ends within the window', () => {
    const w = statusWindow(hour, end);
    assert.equal(STATUS_WINDOW_MS, 15 * MIN);
    assert.equal(w.length, 15);
    assert.deepEqual([w[0]!.tMs, w.at(-1)!.tMs], [T0 + 46 * MIN, end]);
    assert.equal(statusWindow(hour, end, 90 * MIN).length, 60, 'a window longer than the series keeps it all');
    assert.deepEqual(statusWindow(hour.slice(0, 30), T0 + 30 * MIN, 5 * MIN).map((p) => p.tMs), [26, 27, 28, 29, 30].map((m) => T0 + m * MIN));
  });

  it('a backlog that has grown for 20 minutes is WARN over its window, though the whole hour reads OK', () => {
    assert.equal(judge(hour).status, 'OK', 'the whole range: caught up 20 minutes ago');
    assert.deepEqual(judge(statusWindow(hour, end)), { status: 'WARN', reason: 'backlog never decreased across the window and grew from 18 to 60' });
  });

  it('a group that caught up within the window is OK, whatever happened before it', () => {
    const recovered = hour.map((p, i) => ({ ...p, backlog: i < 50 ? 3 * i : 0 }));
    assert.equal(judge(statusWindow(recovered, end)).status, 'OK');
  });
});

describe('statusGrid: one grid per range end, whatever the step a view asks for', () => {
  const MIN = 60_000;
  const end = Date.UTC(2026, 0, 1, 12, 0, 50, 250); // not on a minute, nor on a second
  const minute = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('a range of 15 minutes or more: one-minute intervals on the clock, from the one holding the window start to the one holding the end', () => {
    for (const rangeMs of [15 * MIN, 60 * MIN, 24 * 60 * MIN]) {
      assert.deepEqual(statusGrid(end - rangeMs, end), { fromMs: minute - 15 * MIN, stepMs: MIN, points: 16, windowFromMs: end - 15 * MIN });
    }
    // an end on a minute: exactly 15
    assert.deepEqual(statusGrid(minute - 60 * MIN, minute), { fromMs: minute - 15 * MIN, stepMs: MIN, points: 15, windowFromMs: minute - 15 * MIN });
  });

  it('a shorter range: intervals of a fifteenth of it in whole seconds, from its start second', () => {
    assert.deepEqual(statusGrid(end - MIN, end), { fromMs: end - 250 - MIN, stepMs: 4_000, points: 16, windowFromMs: end - MIN });
    assert.deepEqual(statusGrid(minute - MIN, minute), { fromMs: minute - MIN, stepMs: 4_000, points: 15, windowFromMs: minute - MIN });
    // 100 s: intervals of 7 s
    assert.deepEqual(statusGrid(minute - 100_000, minute), { fromMs: minute - 100_000, stepMs: 7_000, points: 15, windowFromMs: minute - 100_000 });
    // 5 s: intervals of a second at least
    assert.deepEqual(statusGrid(minute - 5_000, minute), { fromMs: minute - 5_000, stepMs: 1_000, points: 5, windowFromMs: minute - 5_000 });
  });
});
