// The shop's messaging API (publish, subscribe) and its Kafka-style implementation over the
// in-process broker, with hand-made producer/consumer spans in the messaging semantic conventions:
// current names, legacy Java-agent names, or a batch consumer that links instead of parenting.
import { setMaxListeners } from 'node:events';
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Link, type Span } from '@opentelemetry/api';
import { Broker, type ConsumerGroup, type Delivery } from './broker.js';
import { Faults } from './faults.js';
import { extractContext, injectContext, type ServiceTelemetry } from './telemetry.js';

export interface DemoService extends ServiceTelemetry {
  /** emits the attribute names of older Java agents instead of the current semconv */
  legacy: boolean;
}

export interface OutgoingMessage {
  /** message type (CloudEvents type): OrderPlaced, ChargeCard … */
  type: string;
  key: string;
  payload: Record<string, unknown>;
  /** correlates a command with its reply */
  conversationId?: string;
}

export interface IncomingMessage extends OutgoingMessage {
  messageId: string;
  destination: string;
  attempt: number;
}

export type Handler = (msg: IncomingMessage) => Promise<void>;

export interface Subscription {
  topic: string;
  group: string;
  handler: Handler;
  /** 'links': poll batches, one consumer span per batch in a new trace, linked to each producer */
  mode?: 'parent' | 'links';
  /** extra processing time per message (a slow consumer) */
  slowMs?: number;
  /** the consumer stops for good after this many ms (a crashed consumer) */
  stopAfterMs?: number;
  /** where a message goes after its last failed attempt */
  deadLetterTopic?: string;
}

export interface Bus {
  readonly system: string;
  publish(svc: DemoService, topic: string, msg: OutgoingMessage): Promise<void>;
  subscribe(svc: DemoService, sub: Subscription): Promise<void>;
  /** stops every consumer and waits for the messages in hand */
  close(): Promise<void>;
}

interface Envelope {
  type: string;
  payload: Record<string, unknown>;
  conversationId?: string;
}

const HEADER_MESSAGE_ID = 'message-id';
const HEADER_TYPE = 'ce-type';

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Producer-side attributes: current semconv, or what older Java agents sent. */
export function producerAttributes(
  legacy: boolean,
  m: { topic: string; key: string; messageId: string; type: string; partition?: number; offset?: number; conversationId?: string },
): Attributes {
  if (legacy) {
    return {
      'messaging.system': 'kafka',
      'messaging.destination': m.topic,
      'messaging.destination_kind': 'topic',
      'messaging.kafka.message_key': m.key,
      'messaging.message_id': m.messageId,
      ...(m.partition !== undefined && { 'messaging.kafka.partition': m.partition }),
      ...(m.conversationId && { 'messaging.conversation_id': m.conversationId }),
      'message.type': m.type,
      'cloudevents.event_type': m.type,
    };
  }
  return {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'send',
    'messaging.destination.name': m.topic,
    'messaging.kafka.message.key': m.key,
    'messaging.message.id': m.messageId,
    'cloudevents.event_type': m.type,
    'cloudevents.event_id': m.messageId,
    'server.address': 'demo-broker',
    ...(m.partition !== undefined && { 'messaging.destination.partition.id': String(m.partition) }),
    ...(m.offset !== undefined && { 'messaging.kafka.offset': m.offset }),
    ...(m.conversationId && { 'messaging.message.conversation_id': m.conversationId }),
  };
}

/** Consumer-side attributes of one delivery. */
export function consumerAttributes(legacy: boolean, d: Delivery, env: Envelope, messageId: string): Attributes {
  const r = d.record;
  const common: Attributes = {
    'demo.delivery.attempt': d.attempt,
    ...(d.redelivery && { 'demo.redelivery': d.redelivery }),
  };
  if (legacy) {
    return {
      ...common,
      'messaging.system': 'kafka',
      'messaging.operation': 'process',
      'messaging.destination': r.topic,
      'messaging.destination_kind': 'topic',
      'messaging.kafka.consumer.group': d.group,
      'messaging.kafka.partition': r.partition,
      // older agents recorded the offset as a string on some paths; Eventscope must cope
      'messaging.kafka.message.offset': String(r.offset),
      'messaging.kafka.message_key': r.key,
      'messaging.message_id': messageId,
      'message.type': env.type,
      // apps on the CloudEvents SDK carry the type whatever their agent's generation
      'cloudevents.event_type': env.type,
      ...(env.conversationId && { 'messaging.conversation_id': env.conversationId }),
    };
  }
  return {
    ...common,
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': r.topic,
    'messaging.destination.partition.id': String(r.partition),
    'messaging.consumer.group.name': d.group,
    'messaging.kafka.offset': r.offset,
    'messaging.kafka.message.key': r.key,
    'messaging.message.id': messageId,
    'cloudevents.event_type': env.type,
    ...(env.conversationId && { 'messaging.message.conversation_id': env.conversationId }),
  };
}

/** Kafka-like messaging over the in-process Broker. */
export class KafkaBus implements Bus {
  readonly system = 'kafka';
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private seq = 0;

  constructor(
    readonly broker: Broker,
    private readonly faults: Faults,
  ) {
    setMaxListeners(0, this.abort.signal); // every idle consumer loop waits on it
  }

  async publish(svc: DemoService, topic: string, msg: OutgoingMessage): Promise<void> {
    const messageId = `${topic}-${Date.now().toString(36)}-${(++this.seq).toString(36)}`;
    const base = { topic, key: msg.key, messageId, type: msg.type, conversationId: msg.conversationId };
    const span = svc.tracer.startSpan(svc.legacy ? `${topic} send` : `send ${topic}`, {
      kind: SpanKind.PRODUCER,
      attributes: producerAttributes(svc.legacy, base),
    });
    const headers = injectContext(trace.setSpan(context.active(), span), {
      [HEADER_MESSAGE_ID]: messageId,
      [HEADER_TYPE]: msg.type,
    });
    const envelope: Envelope = { type: msg.type, payload: msg.payload, conversationId: msg.conversationId };
    const record = this.broker.produce(topic, msg.key, envelope, headers);
    span.setAttributes(producerAttributes(svc.legacy, { ...base, partition: record.partition, offset: record.offset }));
    if (msg.payload.orderId !== undefined) span.setAttribute('order.id', String(msg.payload.orderId)); // the business key (issue 13)
    span.end();
  }

  async subscribe(svc: DemoService, sub: Subscription): Promise<void> {
    const group = this.broker.group(sub.topic, sub.group);
    this.loops.push(this.run(svc, group, sub));
  }

  async close(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private async run(svc: DemoService, group: ConsumerGroup, sub: Subscription): Promise<void> {
    const signal = this.abort.signal;
    const started = Date.now();
    const batch = sub.mode === 'links';
    while (!signal.aborted) {
      if (sub.stopAfterMs && Date.now() - started >= sub.stopAfterMs) return; // crashed for good
      const deliveries = group.poll(batch ? 50 : 1);
      if (deliveries.length === 0) {
        await sleep(batch ? 1000 : 50, signal);
        continue;
      }
      if (batch) await this.processBatch(svc, group, sub, deliveries);
      else for (const d of deliveries) await this.processOne(svc, group, sub, d);
    }
  }

  private async processOne(svc: DemoService, group: ConsumerGroup, sub: Subscription, d: Delivery): Promise<void> {
    const env = d.record.value as Envelope;
    const messageId = d.record.headers[HEADER_MESSAGE_ID] ?? '';
    const parent = extractContext(d.record.headers);
    const span = svc.tracer.startSpan(
      svc.legacy ? `${d.record.topic} process` : `process ${d.record.topic}`,
      { kind: SpanKind.CONSUMER, attributes: consumerAttributes(svc.legacy, d, env, messageId) },
      parent,
    );
    if (env.payload.orderId !== undefined) span.setAttribute('order.id', String(env.payload.orderId)); // the business key (issue 13)
    await context.with(trace.setSpan(parent, span), async () => {
      try {
        if (sub.slowMs) await sleep(sub.slowMs);
        await sub.handler(incoming(d, env, messageId));
        group.ack(d);
      } catch (err) {
        await this.failed(svc, group, sub, d, span, err);
      } finally {
        span.end();
      }
    });
  }

  private async processBatch(svc: DemoService, group: ConsumerGroup, sub: Subscription, ds: Delivery[]): Promise<void> {
    const links: Link[] = [];
    for (const d of ds) {
      const sc = trace.getSpanContext(extractContext(d.record.headers));
      if (!sc) continue;
      links.push({
        context: sc,
        attributes: {
          'messaging.message.id': d.record.headers[HEADER_MESSAGE_ID] ?? '',
          'messaging.destination.partition.id': String(d.record.partition),
          'messaging.kafka.offset': d.record.offset,
        },
      });
    }
    // A batch has many producers, so no parent: a new trace that links to each of them.
    const types = new Set(ds.map((d) => (d.record.value as Envelope).type));
    const span = svc.tracer.startSpan(`process ${sub.topic}`, {
      kind: SpanKind.CONSUMER,
      root: true,
      links,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': sub.topic,
        'messaging.consumer.group.name': sub.group,
        'messaging.batch.message_count': ds.length,
        // a batch of one kind of event says which (the flow map groups by it)
        ...(types.size === 1 && { 'cloudevents.event_type': [...types][0]! }),
      },
    });
    await context.with(trace.setSpan(context.active(), span), async () => {
      for (const d of ds) {
        const env = d.record.value as Envelope;
        try {
          await sub.handler(incoming(d, env, d.record.headers[HEADER_MESSAGE_ID] ?? ''));
          group.ack(d);
        } catch (err) {
          await this.failed(svc, group, sub, d, span, err);
        }
      }
      span.end();
    });
  }

  /** A failed attempt: record it, then retry (redelivery) or dead-letter the message. */
  private async failed(svc: DemoService, group: ConsumerGroup, sub: Subscription, d: Delivery, span: Span, err: unknown) {
    const e = err instanceof Error ? err : new Error(String(err));
    span.recordException(e);
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
    span.setAttribute('error.type', e.name);
    if (this.faults.afterFailure(d.attempt) === 'retry' || !sub.deadLetterTopic) {
      group.nack(d);
      return;
    }
    const env = d.record.value as Envelope;
    await this.publish(svc, sub.deadLetterTopic, {
      type: env.type,
      key: d.record.key,
      payload: { ...env.payload, deadLetterReason: e.message, attempts: d.attempt },
      conversationId: env.conversationId,
    });
    group.ack(d);
  }
}

function incoming(d: Delivery, env: Envelope, messageId: string): IncomingMessage {
  return {
    type: env.type,
    key: d.record.key,
    payload: env.payload,
    conversationId: env.conversationId,
    messageId,
    destination: d.record.topic,
    attempt: d.attempt,
  };
}
