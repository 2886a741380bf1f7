// Alert rule validation (lib/alerts/rules.ts): defaults filled in, every problem named precisely.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeCondition, validateRule, type RuleSpec } from '../../lib/alerts/rules.js';

const hook = { url: 'https://hooks.example.com/T1/B2' };
const ok = (input: unknown): RuleSpec => {
  const r = validateRule(input);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.value;
};
const errors = (input: unknown): string[] => {
  const r = validateRule(input);
  assert.ok(!r.ok, 'expected the rule to be refused');
  return r.errors;
};

describe('alert rule validation', () => {
  it('fills in the defaults of each kind', () => {
    const status = ok({ name: ' billing ', kind: 'consumer_status', statuses: ['STOP', 'STOP', 'STALL'], webhook: hook });
    assert.deepEqual(status, { name: 'billing', kind: 'consumer_status', subject: 'consumerGroup', scope: {}, statuses: ['STOP', 'STALL'], forSeconds: 0, webhook: { ...hook, format: 'json' }, enabled: true });
    const rate = ok({ name: 'errors', kind: 'error_rate', subject: 'service', scope: { service: 'checkout' }, threshold: 5, for: '2m', webhook: { ...hook, format: 'slack' } });
    assert.equal(rate.comparison, '>');
    assert.equal(rate.forSeconds, 120);
    assert.equal(rate.windowSeconds, 300);
    assert.equal(describeCondition(rate), 'error rate over 5m > 5% for 2m');
    const quiet = ok({ name: 'quiet', kind: 'no_traffic', subject: 'destination', scope: { destination: 'orders' }, window: '10m', webhook: hook });
    assert.equal(describeCondition(quiet), 'no messages over 10m');
    assert.equal(ok({ name: 'age', kind: 'lag_age', threshold: 30, comparison: '>=', for: 90, webhook: hook }).forSeconds, 90);
  });

  it('names every problem with its field', () => {
    const e = errors({ name: 'x'.repeat(201), kind: 'lag_age', webhook: { url: 'javascript:alert(1)' }, for: -1, window: '5m', scope: { service: 's' }, surprise: true });
    const has = (re: RegExp) => assert.ok(e.some((m) => re.test(m)), `${re} in ${JSON.stringify(e)}`);
    has(/^name: at most 200 characters$/);
    has(/^webhook\.url: must be an http:\/\/ or https:\/\/ URL$/);
    has(/^for: must be between 0s and 86400s/);
    has(/^body: Unrecognized key: "surprise"$/);
    assert.deepEqual(errors({ name: 'x', kind: 'lag_age', webhook: hook }), ['threshold: required for lag_age']);
    assert.deepEqual(errors({ name: 'x', kind: 'paging', webhook: hook }), ['kind: must be one of consumer_status, lag_age, backlog, duplicate_rate, error_rate, no_traffic']);
    assert.deepEqual(errors({ name: 'x', kind: 'backlog', threshold: 1, window: '5m', webhook: hook }), ['window: backlog is read over the lag status window (15 minutes) and takes no window']);
    assert.deepEqual(errors({ name: 'x', kind: 'no_traffic', threshold: 1, webhook: hook }), ['threshold: no_traffic takes no threshold']);
    assert.deepEqual(errors({ name: 'x', kind: 'duplicate_rate', threshold: 101, webhook: hook }), ['threshold: a rate is a percentage: at most 100']);
    assert.deepEqual(errors({ name: 'x', kind: 'backlog', subject: 'service', threshold: 1, webhook: hook }), ['subject: backlog watches consumerGroup, not service']);
    assert.deepEqual(errors({ name: 'x', kind: 'consumer_status', statuses: ['BROKEN'], webhook: hook }), ['statuses.0: must be one of OK, WARN, REWIND, STALL, STOP']);
    assert.deepEqual(errors({ name: 'x', kind: 'no_traffic', subject: 'destination', scope: { consumerGroup: 'g' }, webhook: hook }), ['scope.consumerGroup: a rule on destinations is scoped by destination only']);
    assert.deepEqual(errors({ name: 'x', kind: 'backlog', threshold: 1, scope: { destination: '  ' }, webhook: hook }), ['scope.destination: must not be empty (leave it out to watch every one)']);
    assert.deepEqual(errors({ name: 'x', kind: 'backlog', threshold: 1, for: '2 weeks', webhook: hook }), ['for: expected a duration like 90s, 2m, 1h, got "2 weeks"']);
    assert.deepEqual(errors({ name: 'x', kind: 'backlog', threshold: 1, webhook: { url: 'ftp://files.example.com' } }), ['webhook.url: must be an http:// or https:// URL']);
    assert.deepEqual(errors({ name: 'x', kind: 'backlog', threshold: 1, webhook: { ...hook, format: 'teams' } }), ['webhook.format: must be json or slack']);
  });
});
