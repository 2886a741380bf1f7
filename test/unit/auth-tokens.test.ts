import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerToken, matchToken } from '../../lib/auth/tokens.js';

const tokens = [
  { name: 'checkout', token: 'checkout-0123456789abcdef' },
  { name: 'billing', token: 'billing-0123456789abcdef' },
];

test('matchToken finds the named token presented, and nothing else', () => {
  assert.equal(matchToken(tokens, 'billing-0123456789abcdef')?.name, 'billing');
  assert.equal(matchToken(tokens, 'checkout-0123456789abcdef')?.name, 'checkout');
  assert.equal(matchToken(tokens, 'billing-0123456789abcde'), undefined, 'a prefix is not the token');
  assert.equal(matchToken(tokens, 'billing-0123456789abcdefX'), undefined, 'a longer value is not the token');
  assert.equal(matchToken(tokens, ''), undefined);
  assert.equal(matchToken([], 'billing-0123456789abcdef'), undefined);
});

test('bearerToken reads the Bearer scheme only', () => {
  assert.equal(bearerToken('Bearer abc.def'), 'abc.def');
  assert.equal(bearerToken('bearer   abc'), 'abc');
  assert.equal(bearerToken(['Bearer first', 'Bearer second']), 'first');
  assert.equal(bearerToken('Basic dXNlcjpwYXNz'), undefined);
  assert.equal(bearerToken('Bearer'), undefined);
  assert.equal(bearerToken('Bearer a b'), undefined);
  assert.equal(bearerToken(undefined), undefined);
});
