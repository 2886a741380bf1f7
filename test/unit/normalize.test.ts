// One test per generation of messaging attributes real instrumentations emit (DESIGN §4),
// plus the peer columns for client spans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeSpan, parseOffset, redeliveredByAttributes, type NormalizeInput, type NormalizeOptions } from '../../collector/normalize.js';
import type { SpanKindName } from '../../lib/store/rows.js';

function n(
  kind: SpanKindName,
  attrs: Record<string, string>,
  extra: Partial<NormalizeInput> = {},
  opts: NormalizeOptions = {},
) {
  return normalizeSpan({ span_kind: kind, span_name: 'span', service_name: 'my-service', span_attributes: attrs, ...extra }, opts);
}

const noMessaging = {
  msg_system: '',
  msg_operation: '',
  msg_destination: '',
  msg_partition: '',
  msg_offset: null,
  msg_message_id: '',
  msg_consumer_group: '',
  msg_key: '',
  msg_conversation_id: '',
  msg_message_type: '',
};

test('current semconv (1.26+): operation.type, destination.name, partition.id, consumer.group.name', () => {
  const producer = n('PRODUCER', {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'send',
    'messaging.destination.name': 'orders',
    'messaging.destination.partition.id': '3',
    'messaging.kafka.offset': '42',
    'messaging.message.id': 'm-1',
    'messaging.kafka.message.key': 'customer-7',
    'messaging.message.conversation_id': 'conv-1',
  });
  assert.deepEqual(producer, {
    msg_system: 'kafka',
    msg_operation: 'send',
    msg_destination: 'orders',
    msg_partition: '3',
    msg_offset: '42',
    msg_message_id: 'm-1',
    msg_consumer_group: '',
    msg_key: 'customer-7',
    msg_conversation_id: 'conv-1',
    msg_message_type: 'orders',
    peer_name: '',
    peer_kind: '',
  });
  const consumer = n('CONSUMER', {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.destination.name': 'orders',
    'messaging.destination.partition.id': '3',
    'messaging.consumer.group.name': 'billing',
    'kafka.offset': '43', // the newest names (kafka.*) win over the messaging.kafka.* ones
    'messaging.kafka.offset': '1',
    'kafka.message.key': 'k-new',
    'messaging.kafka.message.key': 'k-old',
  });
  assert.equal(consumer.msg_operation, 'process');
  assert.equal(consumer.msg_consumer_group, 'billing');
  assert.equal(consumer.msg_offset, '43');
  assert.equal(consumer.msg_key, 'k-new');

  // operation.type values, including the 1.24 names publish/deliver
  const op = (v: string, kind: SpanKindName = 'INTERNAL') => n(kind, { 'messaging.system': 'kafka', 'messaging.operation.type': v }).msg_operation;
  assert.equal(op('create', 'PRODUCER'), 'create');
  assert.equal(op('publish', 'PRODUCER'), 'send');
  assert.equal(op('receive', 'CLIENT'), 'receive');
  assert.equal(op('deliver', 'CONSUMER'), 'process');
  assert.equal(op('settle', 'CLIENT'), 'settle');
  assert.equal(op('unheard-of', 'CONSUMER'), 'process', 'unknown values fall through to the span kind');
  assert.equal(op('unheard-of', 'CLIENT'), '');
  // settle is consumer-side: without a group attribute the consuming service is the group
  assert.equal(n('CLIENT', { 'messaging.system': 'rabbitmq', 'messaging.operation.type': 'settle' }).msg_consumer_group, 'my-service');
});

test('Java agent defaults: messaging.destination, messaging.operation, messaging.kafka.consumer.group, message.offset', () => {
  const receive = n('CONSUMER', {
    'messaging.system': 'kafka',
    'messaging.destination': 'orders',
    'messaging.destination_kind': 'topic',
    'messaging.operation': 'receive',
    'messaging.kafka.partition': '1',
    'messaging.kafka.message.offset': '1337',
    'messaging.kafka.consumer.group': 'shipping',
    'messaging.kafka.message_key': 'order-9',
  });
  assert.equal(receive.msg_operation, 'receive');
  assert.equal(receive.msg_destination, 'orders');
  assert.equal(receive.msg_partition, '1');
  assert.equal(receive.msg_offset, '1337');
  assert.equal(receive.msg_consumer_group, 'shipping');
  assert.equal(receive.msg_key, 'order-9');

  const process = n('CONSUMER', {
    'messaging.system': 'kafka',
    'messaging.destination.name': 'orders',
    'messaging.operation': 'process',
    'messaging.kafka.destination.partition': '2',
    'messaging.kafka.consumer_group': 'legacy-group',
  });
  assert.equal(process.msg_operation, 'process');
  assert.equal(process.msg_partition, '2');
  assert.equal(process.msg_consumer_group, 'legacy-group');

  // a producer with no operation attribute: the kind decides
  const send = n('PRODUCER', { 'messaging.system': 'kafka', 'messaging.destination': 'orders' });
  assert.equal(send.msg_operation, 'send');
  assert.equal(send.msg_consumer_group, '');
  // legacy publish → send
  assert.equal(n('PRODUCER', { 'messaging.system': 'jms', 'messaging.operation': 'publish' }).msg_operation, 'send');
});

test('amqplib: exchange as messaging.destination, messaging.message_id, routing key, queue from `<queue> process`', () => {
  const base = {
    'messaging.system': 'rabbitmq',
    'messaging.destination': 'shop',
    'messaging.destination_kind': 'topic',
    'messaging.rabbitmq.routing_key': 'order.placed',
    'messaging.message_id': 'm-7',
    'messaging.conversation_id': 'corr-1',
  };
  const publish = n('PRODUCER', base, { span_name: 'publish shop' });
  assert.equal(publish.msg_operation, 'send');
  assert.equal(publish.msg_destination, 'shop');
  assert.equal(publish.msg_key, 'order.placed');
  assert.equal(publish.msg_message_id, 'm-7');
  assert.equal(publish.msg_conversation_id, 'corr-1');
  assert.equal(publish.msg_consumer_group, '');

  const consume = n('CONSUMER', { ...base, 'messaging.operation': 'process' }, { span_name: 'billing queue process' });
  assert.equal(consume.msg_operation, 'process');
  assert.equal(consume.msg_destination, 'shop');
  assert.equal(consume.msg_consumer_group, 'billing queue', 'the queue named only in the span name');
  // a consumer span name without the pattern: the consuming service
  assert.equal(n('CONSUMER', base, { span_name: 'handle' }).msg_consumer_group, 'my-service');
  // newer RabbitMQ routing-key names
  assert.equal(n('PRODUCER', { 'messaging.system': 'rabbitmq', 'messaging.rabbitmq.destination.routing_key': 'rk' }).msg_key, 'rk');
  assert.equal(n('PRODUCER', { 'messaging.system': 'rabbitmq', 'rabbitmq.destination.routing_key': 'rk2' }).msg_key, 'rk2');
});

test('kotel (franz-go): messaging.source.name, kafka source partition, consumer group', () => {
  const c = n('CONSUMER', {
    'messaging.system': 'kafka',
    'messaging.source.name': 'payments',
    'messaging.kafka.source.partition': '4',
    'messaging.kafka.message.offset': '99',
    'messaging.kafka.consumer.group': 'ledger',
    'messaging.operation': 'receive',
  });
  assert.equal(c.msg_destination, 'payments');
  assert.equal(c.msg_partition, '4');
  assert.equal(c.msg_offset, '99');
  assert.equal(c.msg_consumer_group, 'ledger');
  assert.equal(c.msg_operation, 'receive');
  assert.equal(c.msg_message_type, 'payments');
});

test('kafkajs: offset as a string, messaging.kafka.message.key, group falls back to the consuming service', () => {
  const c = n('CONSUMER', {
    'messaging.system': 'kafka',
    'messaging.destination.name': 'orders',
    'messaging.operation.type': 'process',
    'messaging.destination.partition.id': '0',
    'messaging.kafka.offset': '00017',
    'messaging.kafka.message.key': 'customer-3',
  });
  assert.equal(c.msg_offset, '17');
  assert.equal(c.msg_key, 'customer-3');
  assert.equal(c.msg_partition, '0');
  assert.equal(c.msg_consumer_group, 'my-service');
});

test('offsets: decimal strings or ints within int64; anything else is null', () => {
  assert.equal(parseOffset('42'), '42');
  assert.equal(parseOffset('-1'), '-1');
  assert.equal(parseOffset('9223372036854775807'), '9223372036854775807');
  assert.equal(parseOffset('9223372036854775808'), null);
  assert.equal(parseOffset('4.2'), null);
  assert.equal(parseOffset('abc'), null);
  assert.equal(parseOffset(''), null);
  assert.equal(n('CONSUMER', { 'messaging.system': 'kafka', 'messaging.kafka.offset': 'latest' }).msg_offset, null);
});

test('message type: cloudevents.event_type, else the configured attribute, else the destination', () => {
  const attrs = { 'messaging.system': 'kafka', 'messaging.destination.name': 'events', 'app.message.type': 'OrderPlaced' };
  assert.equal(n('PRODUCER', attrs).msg_message_type, 'events');
  assert.equal(n('PRODUCER', attrs, {}, { messageTypeAttribute: 'app.message.type' }).msg_message_type, 'OrderPlaced');
  assert.equal(
    n('PRODUCER', { ...attrs, 'cloudevents.event_type': 'com.shop.order.placed' }, {}, { messageTypeAttribute: 'app.message.type' }).msg_message_type,
    'com.shop.order.placed',
  );
});

test('per-message attributes on a sole link fill what the consumer span lacks', () => {
  const c = n(
    'CONSUMER',
    { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders', 'messaging.operation.type': 'process' },
    { 'links.attributes': [{ 'messaging.message.id': 'm-9', 'messaging.kafka.offset': '5', 'messaging.destination.partition.id': '2' }] },
  );
  assert.equal(c.msg_message_id, 'm-9');
  assert.equal(c.msg_offset, '5');
  assert.equal(c.msg_partition, '2');
  // a batch (several links) has no single message
  const batch = n(
    'CONSUMER',
    { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders' },
    { 'links.attributes': [{ 'messaging.message.id': 'a' }, { 'messaging.message.id': 'b' }] },
  );
  assert.equal(batch.msg_message_id, '');
  // the span's own attribute wins over the link's
  const own = n('CONSUMER', { 'messaging.system': 'kafka', 'messaging.message.id': 'own' }, { 'links.attributes': [{ 'messaging.message.id': 'link' }] });
  assert.equal(own.msg_message_id, 'own');
});

test('non-messaging spans get empty msg_* columns; client spans name their peer', () => {
  const peer = (kind: SpanKindName, attrs: Record<string, string>) => {
    const r = n(kind, attrs);
    assert.deepEqual({ ...r, peer_name: undefined, peer_kind: undefined }, { ...noMessaging, peer_name: undefined, peer_kind: undefined });
    return [r.peer_name, r.peer_kind];
  };
  assert.deepEqual(peer('CLIENT', { 'peer.service': 'inventory', 'http.request.method': 'GET', 'server.address': 'x' }), ['inventory', 'service']);
  assert.deepEqual(peer('CLIENT', { 'db.system.name': 'postgresql', 'db.namespace': 'orders', 'server.address': 'pg' }), ['postgresql orders', 'database']);
  assert.deepEqual(peer('CLIENT', { 'db.system': 'redis' }), ['redis', 'database']);
  assert.deepEqual(peer('CLIENT', { 'db.system': 'mysql', 'db.name': 'shop' }), ['mysql shop', 'database']);
  assert.deepEqual(peer('CLIENT', { 'http.request.method': 'POST', 'server.address': 'api.example.com', 'server.port': '8443' }), ['api.example.com:8443', 'http']);
  assert.deepEqual(peer('CLIENT', { 'http.method': 'GET', 'net.peer.name': 'legacy.example.com', 'net.peer.port': '80' }), ['legacy.example.com:80', 'http']);
  assert.deepEqual(peer('CLIENT', { 'http.method': 'GET', 'http.url': 'https://u.example.com:9000/path?q=1' }), ['u.example.com:9000', 'http']);
  assert.deepEqual(peer('CLIENT', { 'http.request.method': 'GET' }), ['', '']);
  assert.deepEqual(peer('CLIENT', { 'rpc.system': 'grpc', 'rpc.service': 'shop.Payments', 'server.address': 'payments', 'server.port': '50051' }), ['payments:50051', 'rpc']);
  assert.deepEqual(peer('CLIENT', { 'rpc.system': 'grpc', 'rpc.service': 'shop.Payments' }), ['shop.Payments', 'rpc']);
  assert.deepEqual(peer('CLIENT', {}), ['', '']);
  // only client spans name a peer
  assert.deepEqual(peer('SERVER', { 'http.request.method': 'GET', 'server.address': 'me' }), ['', '']);
  assert.deepEqual(peer('INTERNAL', { 'db.system': 'postgresql' }), ['', '']);
  // a messaging client span talks to a destination, not a peer
  const settle = n('CLIENT', { 'messaging.system': 'kafka', 'messaging.operation.type': 'settle', 'server.address': 'broker', 'peer.service': 'kafka' });
  assert.equal(settle.peer_kind, '');
  assert.equal(settle.msg_operation, 'settle');
});

test('a retry is recognised from its redelivery flag, delivery count or retry count (spans.msg_redelivered)', () => {
  const cases: Array<[Record<string, string>, boolean]> = [
    [{ 'messaging.rabbitmq.redelivered': 'true' }, true],
    [{ 'messaging.rabbitmq.message.redelivered': '1' }, true],
    [{ 'messaging.message.redelivered': 'false' }, false],
    [{ 'messaging.redelivered': 'TRUE' }, false], // the engine compared exactly: 'true' or '1'
    [{ 'messaging.message.delivery_count': '1' }, false],
    [{ 'messaging.message.delivery_count': '2' }, true],
    [{ 'messaging.servicebus.message.delivery_count': '3' }, true],
    [{ 'messaging.gcp_pubsub.message.delivery_attempt': '2' }, true],
    [{ 'messaging.gcp_pubsub.message.delivery_attempt': '-4' }, false],
    [{ 'messaging.retry.count': '0' }, false],
    [{ 'messaging.retry.count': '1' }, true],
    [{ 'retry.count': '2.5' }, false], // not an unsigned integer: no count
    [{}, false],
  ];
  for (const [attrs, expected] of cases) assert.equal(redeliveredByAttributes(attrs), expected, JSON.stringify(attrs));
});
