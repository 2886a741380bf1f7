// The dashboard's URL state (lib/ui/url.ts): time ranges in the API's grammar, old range= links,
// notices for what cannot be shown, live defaults, sorts, unknown parameters and links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  absoluteQuery, COMMON_PARAMS, describeRange, hrefWith, links, parseLive, parseSort, parseTimeSelection, readPageUrl, resolveWindow, searchTarget, timeQuery,
  unknownParams,
} from '../../lib/ui/url.js';

const now = new Date('2026-12-01T12:00:00.000Z');
const NOW = now.getTime();

test('no time in the URL: the last 15 minutes, relative, no notice', () => {
  const t = parseTimeSelection({}, now);
  assert.deepEqual(t, { from: 'now-15m', to: 'now', relative: true });
  assert.deepEqual(resolveWindow(t, now), { fromMs: NOW - 15 * 60_000, toMs: NOW });
  assert.equal(describeRange(t, resolveWindow(t, now)), 'the last 15 minutes');
});

test('any relative range the API takes', () => {
  for (const [from, words, ms] of [['now-3h', 'the last 3 hours', 3 * 3_600_000], ['now-2d', 'the last 2 days', 2 * 86_400_000], ['now-1h', 'the last hour', 3_600_000]] as const) {
    const t = parseTimeSelection({ from }, now);
    assert.equal(t.notice, undefined, from);
    assert.equal(t.relative, true);
    const w = resolveWindow(t, now);
    assert.equal(w.toMs - w.fromMs, ms);
    assert.equal(describeRange(t, w), words);
  }
  // both ends relative, but not ending now: still relative, described by its times
  const t = parseTimeSelection({ from: 'now-2h', to: 'now-1h' }, now);
  assert.equal(t.relative, true);
  assert.equal(describeRange(t, resolveWindow(t, now)), '2026-12-01 10:00 – 11:00 UTC');
});

test('absolute from/to: exactly that window, not relative', () => {
  const t = parseTimeSelection({ from: '2026-12-01T10:00:00Z', to: '2026-12-01T10:30:15Z' }, now);
  assert.equal(t.relative, false);
  assert.equal(t.notice, undefined);
  assert.deepEqual(resolveWindow(t, now), { fromMs: Date.parse('2026-12-01T10:00:00Z'), toMs: Date.parse('2026-12-01T10:30:15Z') });
  assert.equal(describeRange(t, resolveWindow(t, now)), '2026-12-01 10:00 – 10:30:15 UTC');
  // epoch milliseconds too
  const e = parseTimeSelection({ from: String(NOW - 60_000), to: String(NOW) }, now);
  assert.deepEqual(resolveWindow(e, now), { fromMs: NOW - 60_000, toMs: NOW });
});

test('old range= links keep working', () => {
  assert.deepEqual(parseTimeSelection({ range: '15m' }, now), { from: 'now-15m', to: 'now', relative: true });
  assert.deepEqual(parseTimeSelection({ range: '6h' }, now), { from: 'now-6h', to: 'now', relative: true });
  // from/to win over range
  assert.equal(parseTimeSelection({ range: '6h', from: 'now-1h' }, now).from, 'now-1h');
});

test('an invalid time says what was wrong and which range is shown instead', () => {
  const cases: [Record<string, string | string[]>, RegExp][] = [
    [{ from: 'yesterday' }, /from: expected ISO 8601, epoch milliseconds or now-<n><s\|m\|h\|d\|w>, got "yesterday"/],
    [{ from: 'now-1h', to: 'now-2h' }, /from must be before to/],
    [{ from: 'now-40d' }, /at most 31 days/],
    [{ from: '2026-02-30T00:00:00Z' }, /a date the calendar has/],
    [{ range: 'forever' }, /The range "forever" is not a duration/],
    [{ from: ['now-1h', 'now-2h'] }, /gives from more than once/],
  ];
  for (const [sp, problem] of cases) {
    const t = parseTimeSelection(sp, now);
    assert.match(t.notice ?? '', problem, JSON.stringify(sp));
    assert.match(t.notice ?? '', /showing the last 15 minutes instead\.$/, JSON.stringify(sp));
    assert.deepEqual([t.from, t.to], ['now-15m', 'now']);
  }
  // a page with another default says that one
  assert.match(parseTimeSelection({ from: 'x' }, now, 'now-1h').notice ?? '', /showing the last hour instead/);
});

test('live: on by default for a relative range, off for an absolute one, live=on|off overrides', () => {
  const rel = parseTimeSelection({}, now);
  const abs = parseTimeSelection({ from: '2026-12-01T10:00:00Z', to: '2026-12-01T11:00:00Z' }, now);
  assert.equal(parseLive({}, rel).live, true);
  assert.equal(parseLive({}, abs).live, false);
  assert.equal(parseLive({ live: 'off' }, rel).live, false);
  assert.equal(parseLive({ live: 'on' }, abs).live, true);
  assert.match(parseLive({ live: 'maybe' }, rel).notice ?? '', /neither on nor off; live refresh is on/);
});

test('sorts: sort=col ascending, sort=-col descending, else the default with a notice', () => {
  const cols = ['status', 'backlog'] as const;
  const def = { column: 'status' as const, desc: true };
  assert.deepEqual(parseSort({}, cols, def), { sort: def });
  assert.deepEqual(parseSort({ sort: 'backlog' }, cols, def).sort, { column: 'backlog', desc: false });
  assert.deepEqual(parseSort({ sort: '-backlog' }, cols, def).sort, { column: 'backlog', desc: true });
  const bad = parseSort({ sort: 'colour' }, cols, def);
  assert.deepEqual(bad.sort, def);
  assert.match(bad.notice ?? '', /"colour" is not a column of this table \(status, backlog\)/);
});

test('unknown URL parameters are named in a notice, known and common ones are not', () => {
  assert.deepEqual(unknownParams({ from: 'now-1h', live: 'off', sel: 'x', foo: '1', bar: '' }, ['sel']), ['bar', 'foo']);
  const u = readPageUrl({ foo: '1', destination: 'orders' }, ['destination'], now);
  assert.deepEqual(u.notices, [`Ignored an unknown URL parameter: "foo" (this page understands ${[...COMMON_PARAMS, 'destination'].join(', ')}).`]);
  assert.ok(COMMON_PARAMS.includes('from') && COMMON_PARAMS.includes('live'));
  assert.deepEqual(readPageUrl({ destination: 'orders' }, ['destination'], now).notices, []);
});

test('links keep the time range and other filters, in a stable order', () => {
  assert.equal(hrefWith('/requests', { service: 'payment', from: 'now-1h' }, { from: 'now-6h' }), '/requests?from=now-6h&service=payment');
  assert.equal(hrefWith('/requests', { service: 'payment' }, { service: undefined }), '/requests');
  assert.equal(hrefWith('/', { a: '', b: ['x', 'y'] }), '/?b=x');
  assert.equal(links.lag({ from: 'now-15m', to: 'now' }, { destination: 'orders' }), '/lag?destination=orders&from=now-15m');
  assert.equal(links.requests({ from: 'now-1h', to: 'now-5m' }, { errorOnly: true }), '/requests?errorOnly=true&from=now-1h&to=now-5m');
  assert.deepEqual(timeQuery({ from: 'now-1h', to: 'now' }), { from: 'now-1h', to: undefined, range: undefined });
  // link to this moment: the shown window as absolute times
  assert.equal(
    hrefWith('/lag', { from: 'now-15m', range: '15m', live: 'on', group: 'g' }, absoluteQuery({ fromMs: NOW - 900_000, toMs: NOW })),
    '/lag?from=2026-12-01T11%3A45%3A00.000Z&group=g&to=2026-12-01T12%3A00%3A00.000Z',
  );
});

test('the search box: a trace id opens its timeline, key=value is an attribute, else a message id', () => {
  assert.equal(searchTarget(' 0AF7651916CD43DD8448EB211C80319C '), '/requests/0af7651916cd43dd8448eb211c80319c');
  assert.equal(searchTarget('order.id=1001'), '/requests?attribute=order.id%3D1001');
  assert.equal(searchTarget('msg-42'), '/requests?messageId=msg-42');
  assert.equal(searchTarget(''), '/requests');
});
