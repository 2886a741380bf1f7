// The demo shop over a real RabbitMQ (`npm run demo -- --broker amqp://…`): every topic becomes a
// topic exchange, every (topic, consumer group) a queue bound to it, and the messaging spans come
// from the official amqplib auto-instrumentation, not from our code.
//
// What differs from the in-process broker, honestly:
// - no partitions or offsets (RabbitMQ queues have neither), so no offset lag;
// - one instrumentation per process means one consumer style: every consumer is parent/child
//   (the batch consumer with links exists only in Kafka mode; the RabbitMQ proof shows
//   useLinksForConsume in its own worker), and every service gets amqplib's attribute names;
// - retries are RabbitMQ's: the first failure is nacked with requeue (a real redelivery), a
//   failure of the redelivered message is nacked without requeue and RabbitMQ dead-letters it;
// - the duplicate and reorder knobs do not apply (RabbitMQ decides redelivery and order).
import { context, trace } from '@opentelemetry/api';
import type * as Amqp from 'amqplib';
import { sleep, type Bus, type DemoService, type OutgoingMessage, type Subscription } from '../messaging.js';
import { instrumentedAmqplib, SERVICE_KEY, type ServiceRoutingTracerProvider } from './instrumented.js';

const EXCHANGE_PREFIX = 'demo-shop.';

export class RabbitBus implements Bus {
  readonly system = 'rabbitmq';
  private readonly publishChannels = new Map<string, Amqp.ConfirmChannel>();
  private readonly consumers: { channel: Amqp.Channel; tag: string; stopTimer?: NodeJS.Timeout }[] = [];
  private readonly exchanges = new Set<string>();
  private readonly queues = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    private readonly connection: Amqp.ChannelModel,
    private readonly admin: Amqp.Channel,
    private readonly routing: ServiceRoutingTracerProvider,
  ) {}

  static async connect(url: string, services: Record<string, DemoService>, _opts: { maxRetries: number }): Promise<RabbitBus> {
    const { amqp, routing } = instrumentedAmqplib();
    for (const s of Object.values(services)) routing.services.set(s.name, s);
    const connection = await amqp.connect(url);
    const admin = await connection.createChannel();
    return new RabbitBus(connection, admin, routing);
  }

  private async exchange(topic: string): Promise<string> {
    const name = EXCHANGE_PREFIX + topic;
    if (!this.exchanges.has(name)) {
      await this.admin.assertExchange(name, 'topic', { durable: false });
      this.exchanges.add(name);
    }
    return name;
  }

  async publish(svc: DemoService, topic: string, msg: OutgoingMessage): Promise<void> {
    const exchange = await this.exchange(topic);
    let ch = this.publishChannels.get(svc.name);
    if (!ch) {
      ch = await this.connection.createConfirmChannel();
      this.publishChannels.set(svc.name, ch);
    }
    const channel = ch;
    const body = Buffer.from(JSON.stringify({ type: msg.type, key: msg.key, payload: msg.payload }));
    // mark who is publishing, so the instrumentation's publish span lands in this service's SDK
    context.with(context.active().setValue(SERVICE_KEY, svc.name), () =>
      channel.publish(exchange, msg.type, body, {
        messageId: `${topic}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
        correlationId: msg.conversationId,
        type: msg.type,
        contentType: 'application/json',
      }),
    );
    await channel.waitForConfirms();
  }

  async subscribe(svc: DemoService, sub: Subscription): Promise<void> {
    const exchange = await this.exchange(sub.topic);
    const queue = `${exchange}.${sub.group}`;
    const args: Record<string, unknown> = {};
    if (sub.deadLetterTopic) {
      const dlx = await this.exchange(sub.deadLetterTopic);
      const parked = `${dlx}.parked`;
      await this.admin.assertQueue(parked, { durable: false });
      await this.admin.bindQueue(parked, dlx, '#');
      this.queues.add(parked);
      args['x-dead-letter-exchange'] = dlx;
    }
    await this.admin.assertQueue(queue, { durable: false, arguments: args });
    await this.admin.bindQueue(queue, exchange, '#');
    this.queues.add(queue);
    this.routing.queueOwners.set(queue, svc);

    const channel = await this.connection.createChannel();
    await channel.prefetch(sub.slowMs ? 1 : 5);
    const { consumerTag } = await channel.consume(queue, (m) => {
      if (!m || this.closed) return;
      const work = this.handle(channel, sub, m).finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    });
    const entry: (typeof this.consumers)[number] = { channel, tag: consumerTag };
    if (sub.stopAfterMs) {
      // a consumer that dies: its queue keeps filling
      entry.stopTimer = setTimeout(() => void channel.cancel(consumerTag).catch(() => {}), sub.stopAfterMs);
    }
    this.consumers.push(entry);
  }

  private async handle(channel: Amqp.Channel, sub: Subscription, m: Amqp.ConsumeMessage): Promise<void> {
    const env = JSON.parse(m.content.toString('utf8')) as { type: string; key: string; payload: Record<string, unknown> };
    try {
      if (sub.slowMs) await sleep(sub.slowMs);
      await sub.handler({
        type: env.type,
        key: env.key,
        payload: env.payload,
        conversationId: m.properties.correlationId as string | undefined,
        messageId: String(m.properties.messageId ?? ''),
        destination: sub.topic,
        attempt: m.fields.redelivered ? 2 : 1,
      });
      channel.ack(m);
    } catch (err) {
      trace.getActiveSpan()?.recordException(err instanceof Error ? err : new Error(String(err)));
      // first failure: requeue (RabbitMQ redelivers); failed again: reject, RabbitMQ dead-letters it
      channel.nack(m, false, !m.fields.redelivered);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.consumers) {
      clearTimeout(c.stopTimer);
      await c.channel.cancel(c.tag).catch(() => {});
    }
    await Promise.allSettled([...this.inFlight]);
    for (const q of this.queues) await this.admin.deleteQueue(q).catch(() => {});
    for (const e of this.exchanges) await this.admin.deleteExchange(e).catch(() => {});
    for (const q of this.queues) this.routing.queueOwners.delete(q);
    await this.connection.close().catch(() => {});
  }
}
