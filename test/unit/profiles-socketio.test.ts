// collector/profiles/socketio.ts on spans recorded from @opentelemetry/instrumentation-socket.io (test/fixtures/socket.io/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columns, normalizedFixture } from './profiles-support.js';
import { compileProfile, compileProfiles } from '../../collector/profiles/language.js';

const span = normalizedFixture('socket.io');

test("the server's listener is a delivery (receive) of the namespace's event; a failed attempt (exception event, status UNSET) is an error", () => {
  assert.deepEqual(columns(span('c2')), { system: 'socket.io', operation: 'receive', destination: '/orders order:place', group: 'orders-ws', messageId: '', messageType: 'order:place', redelivered: 0, housekeeping: 0, status: 'UNSET' });
  assert.deepEqual(columns(span('c1')), { ...columns(span('c2')), status: 'ERROR' });
  assert.equal(span('c1').status_message, 'stock service timed out for o-1');
});

test("the server's emit to a room: the event is the destination, the room the key", () => {
  assert.deepEqual(columns(span('p2')), { system: 'socket.io', operation: 'send', destination: '/orders order:placed', group: '', messageId: '', messageType: 'order:placed', redelivered: 0, housekeeping: 0, status: 'UNSET' });
  assert.equal(span('p2').msg_key, '["kitchen"]');
});

test('client apps traced by hand with the same attributes are read through the marker attribute', () => {
  assert.equal(span('p1').scope_name, 'till-app');
  assert.deepEqual([span('p1').msg_operation, span('p1').msg_destination], ['send', '/orders order:place']);
  assert.deepEqual([span('k1').msg_operation, span('k1').msg_destination, span('k1').msg_consumer_group], ['receive', '/orders order:placed', 'kitchen-ws']);
});

test('a reserved event (disconnect) is housekeeping, not a delivery', () => {
  assert.deepEqual([span('h1').msg_housekeeping, span('h1').msg_operation], [1, '']);
});

test('without the profile every event of the namespace is one destination (the listener a receive either way)', () => {
  const none = normalizedFixture('socket.io', { profiles: compileProfiles([]) });
  assert.deepEqual([none('c1').msg_destination, none('p2').msg_destination, none('c1').msg_operation, none('h1').msg_housekeeping], ['/orders', '/orders', 'receive', 0]);
});

test('a template source is empty when one of its attributes is absent, so the next source applies', () => {
  const p = compileProfile({ name: 't', match: { scopes: ['s'] }, system: 's', destination: [{ template: '{ns} {ev}' }, 'ns'] });
  assert.equal(p.destination!({ ns: '/', ev: 'chat message' }, ''), '/ chat message');
  assert.equal(p.destination!({ ns: '/a' }, ''), '/a');
  assert.equal(p.destination!({ ns: '/a', ev: '' }, ''), '/a');
  assert.throws(() => compileProfile({ name: 't', match: { scopes: ['s'] }, system: 's', destination: { template: 'no braces' } }), /names at least one \{attribute\}/);
});
