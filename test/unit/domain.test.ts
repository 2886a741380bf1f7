// The shared vocabulary: operation sets, SQL lists generated from them, keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONSUMER_OPERATIONS,
  DELIVER_OPERATIONS,
  hopKey,
  isConsumerOperation,
  isDeliverOperation,
  isPublishOperation,
  messageIdentity,
  PUBLISH_OPERATIONS,
  spanKey,
  sqlList,
} from '../../lib/domain.js';

test('publish and deliver operations, settle on the consumer side only', () => {
  assert.deepEqual([...PUBLISH_OPERATIONS], ['create', 'send']);
  assert.deepEqual([...DELIVER_OPERATIONS], ['receive', 'process']);
  assert.deepEqual([...CONSUMER_OPERATIONS], ['receive', 'process', 'settle']);
  assert.deepEqual(['create', 'send', 'receive', 'process', 'settle', ''].map(isPublishOperation), [true, true, false, false, false, false]);
  assert.deepEqual(['create', 'send', 'receive', 'process', 'settle', ''].map(isDeliverOperation), [false, false, true, true, false, false]);
  assert.deepEqual(['create', 'send', 'receive', 'process', 'settle', ''].map(isConsumerOperation), [false, false, true, true, true, false]);
});

test('sqlList renders the sets as ClickHouse lists and refuses anything but plain words', () => {
  assert.equal(sqlList(PUBLISH_OPERATIONS), "('create', 'send')");
  assert.equal(sqlList(DELIVER_OPERATIONS), "('receive', 'process')");
  assert.throws(() => sqlList(["x') OR 1=1 --"]), /not a vocabulary constant/);
  assert.throws(() => sqlList([]), /empty list/);
});

test('span, hop and message keys', () => {
  assert.equal(spanKey('t1', 's1'), 't1:s1');
  assert.notEqual(hopKey('12', '345'), hopKey('123', '45'), 'the parts cannot run into each other');
  assert.equal(messageIdentity.span('t', 's'), 'span:t:s');
  assert.equal(messageIdentity.id('orders', 'm-1'), 'id:orders:m-1');
  assert.equal(messageIdentity.offset('orders', '0', '42'), 'offset:orders:0:42');
  assert.equal(messageIdentity.delivery('t', 's'), 'delivery:t:s');
});
