// The RabbitMQ proof: a producer and two consumer services on a real broker, each in its own
// worker thread with the official amqplib auto-instrumentation, exporting to Eventscope.
//   producer ──publish──▶ topic exchange ──▶ <billing queue> ─▶ billing (nacks the first delivery
//                                        │                        of marked messages: real redelivery)
//                                        └─▶ <email queue>   ─▶ email (useLinksForConsume: new trace + link)
// Exchange and queues get a random suffix per run and are deleted afterwards.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { instrumentedAmqplib } from './instrumented.js';
import type { RabbitCommand, RabbitEvent, RabbitServiceConfig } from './service.js';

export interface RabbitProofOptions {
  url: string;
  /** OTLP/HTTP base URL of Eventscope */
  endpoint: string;
  exportIntervalMs?: number;
  /** names get this suffix (default: random) */
  suffix?: string;
}

export interface Delivered {
  service: string;
  messageId: string;
  redelivered: boolean;
  outcome: 'ack' | 'nack-requeue';
}

export interface RabbitProof {
  exchange: string;
  billingQueue: string;
  emailQueue: string;
  services: { producer: string; billing: string; email: string };
  deliveries: Delivered[];
  /** publishes `count` OrderPlaced messages; those with index in `failOnce` are nacked once by billing */
  publish(count: number, failOnce?: number[]): Promise<{ messageIds: string[]; traceIds: string[] }>;
  /** resolves when `pred(deliveries)` holds, or rejects after `timeoutMs` */
  waitFor(pred: (d: Delivered[]) => boolean, timeoutMs?: number): Promise<void>;
  /** stops the services (flushing their spans) and deletes the exchange and queues */
  stop(): Promise<void>;
}

/** Resolves true when something accepts TCP connections at the URL's host and port within `timeoutMs`. */
export function brokerReachable(url: string, timeoutMs = 2000): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || 5672) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Starts a .ts module in a worker thread. Workers do not inherit tsx's loader, so the worker first
 * registers it, then imports the module.
 */
export function startTsWorker(file: URL, workerData: unknown): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(file.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

class ServiceWorker {
  readonly worker: Worker;
  private listeners = new Set<(e: RabbitEvent) => void>();
  error?: string;

  constructor(cfg: RabbitServiceConfig) {
    this.worker = startTsWorker(new URL('./service.ts', import.meta.url), cfg);
    this.worker.on('message', (e: RabbitEvent) => {
      if (e.event === 'error') this.error = e.message;
      for (const l of this.listeners) l(e);
    });
    this.worker.on('error', (err) => {
      this.error = err.message;
      for (const l of this.listeners) l({ event: 'error', message: err.message });
    });
  }

  on(l: (e: RabbitEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  next<T extends RabbitEvent['event']>(event: T, timeoutMs = 15_000): Promise<Extract<RabbitEvent, { event: T }>> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        off();
        reject(new Error(`rabbitmq service: no "${event}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on((e) => {
        if (e.event === event || e.event === 'error') {
          clearTimeout(t);
          off();
          if (e.event === 'error') reject(new Error(`rabbitmq service failed: ${e.message}`));
          else resolve(e as Extract<RabbitEvent, { event: T }>);
        }
      });
    });
  }

  send(c: RabbitCommand): void {
    this.worker.postMessage(c);
  }

  async stop(): Promise<void> {
    const stopped = this.next('stopped', 15_000).catch(() => undefined);
    this.send({ cmd: 'stop' });
    await stopped;
    await this.worker.terminate();
  }
}

export async function startRabbitProof(opts: RabbitProofOptions): Promise<RabbitProof> {
  const suffix = opts.suffix ?? randomBytes(4).toString('hex');
  const exchange = `es-shop-${suffix}`;
  const billingQueue = `es-billing-${suffix}`;
  const emailQueue = `es-email-${suffix}`;
  const services = { producer: `rmq-shop-${suffix}`, billing: `rmq-billing-${suffix}`, email: `rmq-email-${suffix}` };
  const base = { endpoint: opts.endpoint, exportIntervalMs: opts.exportIntervalMs ?? 200, url: opts.url, exchange };

  // The topology is declared over an admin connection of this thread. It only declares and
  // deletes, which the instrumentation does not trace, so every span comes from the services.
  const { amqp } = instrumentedAmqplib();
  const admin = await amqp.connect(opts.url);
  const ch = await admin.createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: false });
  for (const q of [billingQueue, emailQueue]) {
    await ch.assertQueue(q, { durable: false });
    await ch.bindQueue(q, exchange, 'order.*');
  }

  const workers: ServiceWorker[] = [];
  const cleanup = async () => {
    await Promise.allSettled(workers.map((w) => w.stop()));
    try {
      await ch.deleteQueue(billingQueue);
      await ch.deleteQueue(emailQueue);
      await ch.deleteExchange(exchange);
    } finally {
      await admin.close().catch(() => {});
    }
  };

  const deliveries: Delivered[] = [];
  try {
    const start = async (cfg: RabbitServiceConfig) => {
      const w = new ServiceWorker(cfg);
      workers.push(w);
      w.on((e) => {
        if (e.event === 'delivered') deliveries.push({ service: e.service, messageId: e.messageId, redelivered: e.redelivered, outcome: e.outcome });
      });
      await w.next('ready', 30_000);
      return w;
    };
    const [producer] = await Promise.all([
      start({ ...base, role: 'producer', serviceName: services.producer }),
      start({ ...base, role: 'consumer', serviceName: services.billing, queue: billingQueue, nackFirstDelivery: true }),
      start({ ...base, role: 'consumer', serviceName: services.email, queue: emailQueue, useLinksForConsume: true }),
    ]);

    let seq = 0;
    let stopping: Promise<void> | undefined;
    return {
      exchange,
      billingQueue,
      emailQueue,
      services,
      deliveries,
      async publish(count, failOnce = []) {
        const messages = Array.from({ length: count }, (_, i) => ({
          routingKey: 'order.placed',
          messageId: `m-${suffix}-${seq + i}`,
          body: { orderId: `o-${suffix}-${seq + i}`, amount: 10 + i },
          failOnce: failOnce.includes(i),
        }));
        seq += count;
        const done = producer!.next('published');
        producer!.send({ cmd: 'publish', messages });
        const r = await done;
        return { messageIds: r.messageIds, traceIds: r.traceIds };
      },
      async waitFor(pred, timeoutMs = 15_000) {
        const deadline = Date.now() + timeoutMs;
        while (!pred(deliveries)) {
          const failed = workers.find((w) => w.error);
          if (failed) throw new Error(`rabbitmq service failed: ${failed.error}`);
          if (Date.now() > deadline) throw new Error(`timed out; deliveries so far: ${JSON.stringify(deliveries)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      stop() {
        stopping ??= cleanup();
        return stopping;
      },
    };
  } catch (err) {
    await cleanup().catch(() => {});
    throw err;
  }
}
