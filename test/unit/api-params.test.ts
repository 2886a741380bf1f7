// Query-parameter parsers of the JSON API (lib/api/params.ts, time.ts, lag.ts's parseStep): what
// each accepts, and the exact 400 message for what it refuses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../lib/api/http.js';
import { boolParam, enumParam, intParam, rejectUnknown, shown, single, textParam } from '../../lib/api/params.js';
import { MAX_TIME_MS, MIN_TIME_MS, parseTime, parseTimeRange } from '../../lib/api/time.js';
import { parseStep } from '../../lib/api/lag.js';

const u = (query: string) => new URL(`http://x/api/test?${query}`);
const now = new Date('2026-11-26T10:00:00.000Z');

/** The message of the ApiError `fn` throws (fails when it throws nothing or something else). */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    assert.equal(err.status, 400);
    return err.message;
  }
  assert.fail('expected a 400');
}

describe('params', () => {
  test('shown quotes a value and cuts it at 80 characters', () => {
    assert.equal(shown('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(shown('x'.repeat(100_000)), `"${'x'.repeat(80)}…"`);
  });

  test('a repeated parameter is refused by every parser', () => {
    assert.equal(single(u('a=1'), 'a'), '1');
    assert.equal(single(u(''), 'a'), null);
    for (const parse of [
      (url: URL) => intParam(url, 'a', 1, 0, 10),
      (url: URL) => boolParam(url, 'a', false),
      (url: URL) => enumParam(url, 'a', ['x', 'y'] as const),
      (url: URL) => textParam(url, 'a'),
    ]) {
      assert.equal(refusal(() => parse(u('a=1&a=2'))), 'a: expected one value, got 2');
    }
    assert.equal(refusal(() => parseTimeRange(u('from=now-1h&from=now-2h'), now)), 'from: expected one value, got 2');
    assert.equal(refusal(() => parseStep(u('step=1s&step=2s'), 0, 60_000)), 'step: expected one value, got 2');
  });

  test('unknown parameters are named', () => {
    rejectUnknown(u('from=now&to=now'), ['from', 'to']);
    assert.equal(refusal(() => rejectUnknown(u('from=now&fro=x'), ['from', 'to'])), 'unknown parameter "fro"; expected from, to');
  });

  test('intParam', () => {
    assert.equal(intParam(u(''), 'n', 7, 1, 10), 7);
    assert.equal(intParam(u('n='), 'n', 7, 1, 10), 7);
    assert.equal(intParam(u('n= 3 '), 'n', 7, 1, 10), 3);
    for (const v of ['0', '11', '-1', '1e1', 'NaN', 'Infinity', '0x5', '2.5', '9'.repeat(400), '5\u0000']) {
      assert.equal(refusal(() => intParam(u(`n=${encodeURIComponent(v)}`), 'n', 7, 1, 10)), `n: expected an integer between 1 and 10, got ${shown(v)}`);
    }
  });

  test('boolParam and enumParam', () => {
    assert.deepEqual(['', 'true', '1', 'false', '0'].map((v) => boolParam(u(`b=${v}`), 'b', false)), [true, true, true, false, false]);
    assert.equal(boolParam(u(''), 'b', true), true);
    assert.equal(refusal(() => boolParam(u('b=TRUE'), 'b', false)), 'b: expected true or false, got "TRUE"');
    assert.equal(enumParam(u('e=y'), 'e', ['x', 'y'] as const), 'y');
    assert.equal(enumParam(u(''), 'e', ['x', 'y'] as const), undefined);
    assert.equal(refusal(() => enumParam(u('e='), 'e', ['x', 'y'] as const)), 'e: expected one of x, y, got ""');
  });

  test('textParam keeps any character and refuses empty or over 1024 characters', () => {
    const hostile = "'; DROP TABLE spans; -- {p:String} \\ \u0000 💥";
    assert.equal(textParam(u(`t=${encodeURIComponent(hostile)}`), 't'), hostile);
    assert.equal(textParam(u(`t=${'x'.repeat(1024)}`), 't')?.length, 1024);
    assert.equal(refusal(() => textParam(u('t='), 't')), 't: expected a non-empty name or value of at most 1024 characters, got an empty value');
    assert.equal(refusal(() => textParam(u(`t=${'x'.repeat(100_000)}`), 't')), 't: expected a non-empty name or value of at most 1024 characters, got 100000 characters');
  });
});

describe('time', () => {
  test('the three formats', () => {
    assert.equal(parseTime('now', 'from', now), now.getTime());
    assert.equal(parseTime('now-15m', 'from', now), now.getTime() - 900_000);
    assert.equal(parseTime(' 1795683600000 ', 'from', now), 1795683600000);
    assert.equal(parseTime('2026-11-26T09:00:00Z', 'from', now), Date.UTC(2026, 10, 26, 9));
    assert.equal(parseTime('2024-02-29T00:00:00.5Z', 'from', now), Date.UTC(2024, 1, 29, 0, 0, 0, 500));
  });

  test('not a time', () => {
    for (const v of ['', 'yesterday', 'now+1h', 'now-1y', 'now-1.5h', 'NaN', '-1795683600000', '179568360', '1e12', '2026-11-26garbage', '+275760-09-13T00:00:00Z', "2026'; DROP"]) {
      assert.equal(refusal(() => parseTime(v, 'from', now)), `from: expected ISO 8601, epoch milliseconds or now-<n><s|m|h|d|w>, got ${shown(v)}`, v);
    }
  });

  test('a day the calendar lacks is refused, not rolled over', () => {
    for (const v of ['2026-02-29', '2026-02-30T00:00:00Z', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00']) {
      assert.equal(refusal(() => parseTime(v, 'to', now)), `to: expected a date the calendar has, got ${shown(v)}`, v);
    }
  });

  test('times outside 1970–2100 are refused (the engine overflowed on them: a 500)', () => {
    assert.equal(parseTime('1970-01-01T00:00:00Z', 'from', now), MIN_TIME_MS);
    assert.equal(parseTime('2100-01-01T00:00:00Z', 'to', now), MAX_TIME_MS);
    const bounds = 'between 1970-01-01T00:00:00.000Z and 2100-01-01T00:00:00.000Z';
    for (const v of ['0000-01-01', '1900-01-01', '1969-12-31T23:59:59Z', '2100-01-01T00:00:00.001Z', '2262-04-12', '2300-01-01', '9999-12-31T00:00:00Z', '9999999999999999', 'now-99999999999999999999d', 'now-3000w']) {
      assert.equal(refusal(() => parseTime(v, 'from', now)), `from: expected a time ${bounds}, got ${shown(v)}`, v);
    }
  });

  test('ranges', () => {
    assert.deepEqual(parseTimeRange(u(''), now), { fromMs: now.getTime() - 900_000, toMs: now.getTime() });
    assert.deepEqual(parseTimeRange(u('from=now-31d'), now), { fromMs: now.getTime() - 31 * 86_400_000, toMs: now.getTime() });
    assert.equal(refusal(() => parseTimeRange(u('from=now&to=now-1m'), now)), 'from must be before to');
    assert.equal(refusal(() => parseTimeRange(u('from=now&to=now'), now)), 'from must be before to');
    assert.equal(refusal(() => parseTimeRange(u('from=now-32d'), now)), 'the time range may span at most 31 days');
  });
});

describe('step', () => {
  const hour = [0, 3_600_000] as const;
  test('default and explicit', () => {
    assert.equal(parseStep(u(''), ...hour), 60_000);
    assert.equal(parseStep(u('step=10s'), ...hour), 10_000);
    assert.equal(parseStep(u('step=2500'), ...hour), 2_500);
    assert.equal(parseStep(u('step=31d'), ...hour), 31 * 86_400_000);
  });

  test('the step that answered 500 and every other out-of-range step get a 400', () => {
    assert.equal(refusal(() => parseStep(u('step=99999999999999999999s'), ...hour)), 'step must be at most 31d, got "99999999999999999999s"');
    assert.equal(refusal(() => parseStep(u('step=32d'), ...hour)), 'step must be at most 31d, got "32d"');
    assert.equal(refusal(() => parseStep(u(`step=${'9'.repeat(400)}`), ...hour)), `step must be at most 31d, got ${shown('9'.repeat(400))}`);
    assert.equal(refusal(() => parseStep(u('step=999ms'), ...hour)), 'step must be at least 1s, got "999ms"');
    for (const v of ['-1s', '1.5s', '1e3', 'Infinity', 'NaN', '10 s', '1w']) {
      assert.equal(refusal(() => parseStep(u(`step=${encodeURIComponent(v)}`), ...hour)), `step: expected a duration like 10s, 1m, 1h or milliseconds, got ${shown(v)}`, v);
    }
  });
});
