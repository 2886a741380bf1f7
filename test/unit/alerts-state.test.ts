// The alert state machine (lib/alerts/state.ts): pending until the condition held for the rule's
// duration, firing once, resolved once; a pending that clears notifies nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { instanceKey, instanceLabel, parseInstanceKey, step, type InstanceState, type Observation } from '../../lib/alerts/state.js';

const bad: Observation = { breached: true, value: 4, valueText: 'STOP' };
const good: Observation = { breached: false, value: 0, valueText: 'OK' };

/** Runs observations at the given times (ms) through the machine; returns the transitions and the last state. */
function run(forMs: number, seq: Array<[number, Observation]>, start?: InstanceState) {
  let s = start;
  const transitions: string[] = [];
  for (const [t, o] of seq) {
    const r = step(s, o, t, forMs);
    if (r.transition) transitions.push(`${r.transition}@${t}`);
    s = r.next;
  }
  return { transitions, state: s! };
}

describe('alert state machine', () => {
  it('is pending until the condition held for the duration, then fires once', () => {
    const r = run(120_000, [[0, bad], [60_000, bad], [119_999, bad], [120_000, bad], [180_000, bad]]);
    assert.deepEqual(r.transitions, ['firing@120000']);
    assert.equal(r.state.state, 'firing');
    assert.equal(r.state.sinceMs, 120_000);
    assert.equal(r.state.notified, 'firing');
  });

  it('a pending condition that clears is forgotten without a notification', () => {
    const r = run(120_000, [[0, bad], [60_000, good], [90_000, bad], [200_000, bad], [210_000, bad]]);
    // pending again from 90 s: fires at 210 s, not at 120 s
    assert.deepEqual(r.transitions, ['firing@210000']);
  });

  it('resolves once, and fires again on a new breach', () => {
    const r = run(0, [[0, bad], [10, bad], [20, good], [30, good], [40, bad]]);
    assert.deepEqual(r.transitions, ['firing@0', 'resolved@20', 'firing@40']);
  });

  it('continues from a stored state: a restart in the middle of firing sends nothing', () => {
    const stored: InstanceState = { state: 'firing', sinceMs: 5, value: 4, valueText: 'STOP', notified: 'firing' };
    assert.deepEqual(run(0, [[100, bad], [200, bad]], stored).transitions, []);
    const pending: InstanceState = { state: 'pending', sinceMs: 0, value: 4, valueText: 'STOP', notified: '' };
    assert.deepEqual(run(60_000, [[59_000, bad], [60_000, bad]], pending).transitions, ['firing@60000']);
  });

  it('keys and labels instances canonically', () => {
    assert.equal(instanceKey({ consumerGroup: 'g', destination: 'd' }), '{"destination":"d","consumerGroup":"g"}');
    assert.deepEqual(parseInstanceKey(instanceKey({ service: 's' })), { service: 's' });
    assert.deepEqual(parseInstanceKey('not json'), {});
    assert.equal(instanceLabel({ destination: 'orders', consumerGroup: 'billing' }), 'orders → billing');
    assert.equal(instanceLabel({ service: 'checkout' }), 'service checkout');
  });
});
