// The (resource, scope) key the decoders compute once per ScopeSpans: the same content gives the same
// key in any attribute order (so every collector agrees), anything that changes what the API would
// rebuild — a value, a type, the scope — gives another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceContext, scopeContext } from '../../collector/otlp/decode.js';
import type { AttributeType } from '../../lib/store/rows.js';

const key = (
  attrs: Record<string, string>,
  types: Record<string, AttributeType> = {},
  scope: [string, string, Record<string, string>?, Record<string, AttributeType>?] = ['lib', '1.0'],
) => scopeContext(resourceContext(attrs, types), ...scope).row.resource_key;

test('the key depends on content, not on attribute order', () => {
  const a = key({ 'service.name': 'orders', 'host.name': 'h1', pid: '42' }, { 'resource.pid': 'int' });
  assert.match(a, /^\d{1,20}$/);
  assert.equal(key({ pid: '42', 'host.name': 'h1', 'service.name': 'orders' }, { 'resource.pid': 'int' }), a);
  const others = [
    key({ 'service.name': 'orders', 'host.name': 'h1', pid: '42' }), // pid a string now
    key({ 'service.name': 'orders', 'host.name': 'h1', pid: '43' }, { 'resource.pid': 'int' }),
    key({ 'service.name': 'orders', 'host.name': 'h1', pid: '42' }, { 'resource.pid': 'int' }, ['lib', '1.1']),
    key({ 'service.name': 'orders', 'host.name': 'h1', pid: '42' }, { 'resource.pid': 'int' }, ['lib2', '1.0']),
    key({ 'service.name': 'orders', 'host.name': 'h1', pid: '42' }, { 'resource.pid': 'int' }, ['lib', '1.0', { x: '1' }]),
    key({ 'service.name': 'orders', 'host.name': 'h1', pid: '42' }, { 'resource.pid': 'int' }, ['lib', '1.0', { x: '1' }, { 'scope.x': 'int' }]),
    // a separator inside a value cannot make two resources collide
    key({ 'service.name': 'orders","host.name' }),
  ];
  assert.equal(new Set([a, ...others]).size, others.length + 1);
});

test('the resource row carries both type sets and is shared by every span of the scope', () => {
  const ctx = scopeContext(resourceContext({ 'service.name': 's', n: '1' }, { 'resource.n': 'int' }), 'lib', '', { f: 'true' }, { 'scope.f': 'bool' });
  assert.deepEqual(ctx.row.attribute_types, { 'resource.n': 'int', 'scope.f': 'bool' });
  assert.deepEqual([ctx.row.service_name, ctx.row.scope_name, ctx.row.scope_attributes], ['s', 'lib', { f: 'true' }]);
});
