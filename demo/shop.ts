// The demo shop: six services wired by events (choreography) and by commands with replies
// (orchestration). Each service only sees the Bus and HTTP, like separate deployments would.
import { SpanKind } from '@opentelemetry/api';
import type { Faults } from './faults.js';
import { startTracedServer, tracedGet, type TracedServer } from './http.js';
import type { Bus, DemoService, IncomingMessage } from './messaging.js';

/** Destinations of the shop (topics in Kafka mode, exchanges/queues in RabbitMQ mode). */
export const TOPICS = {
  orders: 'orders',
  payments: 'payments',
  shipments: 'shipments',
  inventory: 'inventory',
  checkoutCommands: 'checkout-commands',
  paymentCommands: 'payment-commands',
  shippingCommands: 'shipping-commands',
  checkoutReplies: 'checkout-replies',
  checkoutEvents: 'checkout-events',
  paymentDlq: 'orders.payment.dlq',
} as const;

export const SERVICE_NAMES = ['order', 'payment', 'inventory', 'shipping', 'notification', 'checkout-orchestrator'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface Order {
  orderId: string;
  customerId: string;
  email: string;
  items: { sku: string; qty: number }[];
  amount: number;
  mode: 'choreography' | 'orchestrated';
  /** a card that always fails: the payment ends in the dead-letter topic */
  cardExpired: boolean;
}

export interface ShopOptions {
  slowConsumerMs: number;
  stopConsumerAfterS: number;
}

export interface ShopStats {
  ordersPlaced: number;
  paymentsFailed: number;
  emailsSent: number;
  callbacks: number;
  sagasCompleted: number;
}

export interface Shop {
  orderUrl: string;
  stats: ShopStats;
  close(): Promise<void>;
}

function work(svc: DemoService, name: string, ms: number): Promise<void> {
  const span = svc.tracer.startSpan(name, { kind: SpanKind.INTERNAL });
  return new Promise((resolve) =>
    setTimeout(() => {
      span.end();
      resolve();
    }, ms),
  );
}

export async function startShop(
  bus: Bus,
  services: Record<ServiceName, DemoService>,
  faults: Faults,
  opts: ShopOptions,
): Promise<Shop> {
  const stats: ShopStats = { ordersPlaced: 0, paymentsFailed: 0, emailsSent: 0, callbacks: 0, sagasCompleted: 0 };
  const orders = new Map<string, Order>();
  const { order, payment, inventory, shipping, notification } = services;
  const orchestrator = services['checkout-orchestrator'];

  // order: HTTP-fronted; publishes OrderPlaced (choreography) or StartCheckout (orchestration)
  const server: TracedServer = await startTracedServer(order, [
    {
      method: 'POST',
      route: '/orders',
      async handle(_params, body) {
        const o = body as Order;
        orders.set(o.orderId, o);
        if (orders.size > 5000) orders.delete(orders.keys().next().value!);
        await work(order, 'INSERT orders', 2);
        stats.ordersPlaced++;
        if (o.mode === 'orchestrated') {
          await bus.publish(order, TOPICS.checkoutCommands, { type: 'StartCheckout', key: o.orderId, payload: { ...o } });
        } else {
          // event-carried state: everything a consumer needs, except the customer's e-mail address
          const { email: _email, ...state } = o;
          await bus.publish(order, TOPICS.orders, { type: 'OrderPlaced', key: o.customerId, payload: state });
        }
        return { status: 201, body: { orderId: o.orderId } };
      },
    },
    {
      method: 'GET',
      route: '/orders/:id',
      async handle(params) {
        await work(order, 'SELECT orders', 1);
        const o = orders.get(params.id!);
        return o ? { status: 200, body: o } : { status: 404, body: { error: 'unknown order' } };
      },
    },
  ]);

  // payment: reacts to OrderPlaced (event) and obeys ChargeCard (command), replying to the orchestrator
  await bus.subscribe(payment, {
    topic: TOPICS.orders,
    group: 'payment',
    deadLetterTopic: TOPICS.paymentDlq,
    async handler(m) {
      await work(payment, 'charge card', 5);
      if (m.payload.cardExpired || faults.fail()) {
        stats.paymentsFailed++;
        throw new Error(m.payload.cardExpired ? 'card expired' : 'payment gateway timeout (simulated)');
      }
      await bus.publish(payment, TOPICS.payments, {
        type: 'PaymentTaken',
        key: String(m.payload.orderId),
        payload: { orderId: m.payload.orderId, amount: m.payload.amount },
      });
    },
  });
  await bus.subscribe(payment, {
    topic: TOPICS.paymentCommands,
    group: 'payment-commands',
    async handler(m) {
      await work(payment, 'charge card', 5);
      await bus.publish(payment, TOPICS.checkoutReplies, {
        type: 'CardCharged',
        key: m.key,
        conversationId: m.conversationId,
        payload: { orderId: m.payload.orderId },
      });
    },
  });

  // inventory (looks like a Java service: legacy attribute names): event-carried state, no call-back
  await bus.subscribe(inventory, {
    topic: TOPICS.orders,
    group: 'inventory',
    async handler(m) {
      await work(inventory, 'reserve stock', 3);
      await bus.publish(inventory, TOPICS.inventory, {
        type: 'StockReserved',
        key: String(m.payload.orderId),
        payload: { orderId: m.payload.orderId, items: m.payload.items },
      });
    },
  });

  // shipping: a slow consumer of PaymentTaken (its lag grows), and the ShipOrder command handler
  await bus.subscribe(shipping, {
    topic: TOPICS.payments,
    group: 'shipping',
    slowMs: opts.slowConsumerMs,
    async handler(m) {
      await bus.publish(shipping, TOPICS.shipments, {
        type: 'ShipmentDispatched',
        key: String(m.payload.orderId),
        payload: { orderId: m.payload.orderId, carrier: 'demo-post' },
      });
    },
  });
  await bus.subscribe(shipping, {
    topic: TOPICS.shippingCommands,
    group: 'shipping-commands',
    async handler(m) {
      await work(shipping, 'book courier', 10);
      await bus.publish(shipping, TOPICS.checkoutReplies, {
        type: 'OrderShipped',
        key: m.key,
        conversationId: m.conversationId,
        payload: { orderId: m.payload.orderId },
      });
    },
  });

  // notification: reacts to several events
  const email = async (to: string, what: string) => {
    await work(notification, `send email ${what}`, 2);
    stats.emailsSent++;
    void to;
  };
  await bus.subscribe(notification, {
    topic: TOPICS.orders,
    group: 'notification',
    // event notification: the event lacks the address, so call the producer back for details
    async handler(m) {
      const r = await tracedGet(notification, `${server.url}/orders/${encodeURIComponent(String(m.payload.orderId))}`, 'order');
      stats.callbacks++;
      if (r.status === 200) await email((r.body as Order).email, 'order-received');
    },
  });
  await bus.subscribe(notification, {
    topic: TOPICS.payments,
    group: 'notification',
    handler: (m) => email(String(m.payload.orderId), 'payment-received'),
  });
  await bus.subscribe(notification, {
    topic: TOPICS.shipments,
    group: 'notification',
    mode: 'links', // batch consumer: one span per batch, linked to every producer
    handler: (m) => email(String(m.payload.orderId), 'shipped'),
  });
  await bus.subscribe(notification, {
    topic: TOPICS.checkoutEvents,
    group: 'notification',
    handler: (m) => email(String(m.payload.orderId), 'order-completed'),
  });
  await bus.subscribe(notification, {
    topic: TOPICS.inventory,
    group: 'stock-alerts',
    stopAfterMs: opts.stopConsumerAfterS * 1000, // a consumer that dies: its group stops
    handler: async () => work(notification, 'check stock level', 1),
  });

  // checkout orchestrator: owns the orchestrated flow, sends commands and collects replies
  const sagas = new Map<string, 'charging' | 'shipping' | 'done'>();
  await bus.subscribe(orchestrator, {
    topic: TOPICS.checkoutCommands,
    group: 'checkout',
    async handler(m) {
      const id = String(m.payload.orderId);
      if (sagas.has(id)) return; // a duplicate StartCheckout: the saga already runs
      sagas.set(id, 'charging');
      if (sagas.size > 5000) sagas.delete(sagas.keys().next().value!);
      await bus.publish(orchestrator, TOPICS.paymentCommands, {
        type: 'ChargeCard',
        key: id,
        conversationId: id,
        payload: { orderId: id, amount: m.payload.amount },
      });
    },
  });
  await bus.subscribe(orchestrator, {
    topic: TOPICS.checkoutReplies,
    group: 'checkout',
    async handler(m: IncomingMessage) {
      const id = String(m.payload.orderId);
      const state = sagas.get(id);
      if (m.type === 'CardCharged' && state === 'charging') {
        sagas.set(id, 'shipping');
        await bus.publish(orchestrator, TOPICS.shippingCommands, {
          type: 'ShipOrder',
          key: id,
          conversationId: id,
          payload: { orderId: id },
        });
      } else if (m.type === 'OrderShipped' && state === 'shipping') {
        sagas.set(id, 'done');
        stats.sagasCompleted++;
        await bus.publish(orchestrator, TOPICS.checkoutEvents, {
          type: 'OrderCompleted',
          key: id,
          payload: { orderId: id },
        });
      }
      // anything else is a duplicate or late reply: idempotent, ignored
    },
  });

  return {
    orderUrl: server.url,
    stats,
    async close() {
      await server.close();
    },
  };
}
