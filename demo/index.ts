// Entry of the demo shop: builds the six services, the broker (in-process or RabbitMQ), the shop
// and a load generator placing orders at the configured rate. Used by `npm run demo` (demo/run.ts)
// and by `npm start -- --demo` (scripts/start.ts), in the same process as Eventscope.
import { Broker } from './broker.js';
import { Faults, seededRandom } from './faults.js';
import { KafkaBus, type Bus, type DemoService } from './messaging.js';
import { DEFAULT_DEMO_OPTIONS, type DemoOptions } from './options.js';
import { SERVICE_NAMES, startShop, type Order, type ServiceName, type ShopStats } from './shop.js';
import { createServiceTelemetry, type TelemetryOptions } from './telemetry.js';

export { parseDemoArgs, demoUsage, DemoArgsError, DEFAULT_DEMO_OPTIONS, type DemoOptions } from './options.js';

export interface DemoHandle {
  /** stops placing orders, drains the consumers, flushes every exporter */
  stop(): Promise<void>;
  stats: ShopStats;
  orderUrl: string;
}

export interface DemoDeps {
  /** for tests: where the services' spans go instead of OTLP */
  telemetry?: Partial<TelemetryOptions>;
  log?: (line: string) => void;
}

const CUSTOMERS = Array.from({ length: 12 }, (_, i) => `customer-${i + 1}`);
const SKUS = ['sku-mug', 'sku-tee', 'sku-cap', 'sku-book', 'sku-pen'];

export async function startDemo(options: Partial<DemoOptions> & { endpoint: string }, deps: DemoDeps = {}): Promise<DemoHandle> {
  const opts: DemoOptions = { ...DEFAULT_DEMO_OPTIONS, ...options };
  const log = deps.log ?? ((line: string) => console.log(line));
  const random = opts.seed ? seededRandom(opts.seed) : Math.random;
  const faults = new Faults(opts, random);

  const services = {} as Record<ServiceName, DemoService>;
  for (const name of SERVICE_NAMES) {
    const legacy = name === 'inventory';
    const t = createServiceTelemetry(name, {
      endpoint: opts.endpoint,
      exportIntervalMs: opts.exportIntervalMs,
      // inventory plays a Java service instrumented by an older agent
      resource: legacy ? { 'process.runtime.name': 'OpenJDK Runtime Environment', 'telemetry.distro.name': 'legacy-java-agent' } : undefined,
      ...deps.telemetry,
    });
    services[name] = { ...t, legacy };
  }

  let bus: Bus;
  if (opts.broker) {
    const { RabbitBus } = await import('./rabbitmq/bus.js');
    bus = await RabbitBus.connect(opts.broker, services, { maxRetries: opts.maxRetries });
  } else {
    // Offsets continue from wall-clock time, so restarting the shop on the same data folder does not
    // look like every consumer group rewinding (Kafka keeps offsets across restarts).
    const broker = new Broker({ partitions: opts.partitions, faults, initialOffset: Math.floor(Date.now() / 100) });
    bus = new KafkaBus(broker, faults);
  }

  const shop = await startShop(bus, services, faults, opts).catch(async (err) => {
    await bus.close();
    throw err;
  });

  // load generator: a browser-less shop front placing orders (untraced, so order's SERVER span is the root)
  let seq = 0;
  let inFlight = new Set<Promise<void>>();
  const placeOrder = () => {
    seq++;
    const o: Order = {
      orderId: `o-${Date.now().toString(36)}-${seq}`,
      customerId: faults.pick(CUSTOMERS),
      email: `buyer${seq}@example.test`,
      items: [{ sku: faults.pick(SKUS), qty: 1 + Math.floor(random() * 3) }],
      amount: Math.round(500 + random() * 20_000) / 100,
      mode: faults.chance(opts.orchestratedShare) ? 'orchestrated' : 'choreography',
      cardExpired: faults.chance(opts.errorRate / 5),
    };
    const p = fetch(`${shop.orderUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(o),
    })
      .then((r) => r.arrayBuffer())
      .then(
        () => {},
        (err) => log(`demo: placing order failed: ${String(err)}`),
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const tickMs = Math.max(10, Math.min(200, 1000 / opts.rate));
  let due = 0;
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    due += ((now - last) / 1000) * opts.rate;
    last = now;
    // never pile up more than a second of orders if the event loop stalled
    due = Math.min(due, Math.max(1, opts.rate));
    while (due >= 1) {
      due--;
      placeOrder();
    }
  }, tickMs);

  const statusTimer = opts.verbose
    ? setInterval(() => log(`demo: ${JSON.stringify(shop.stats)}`), 1000)
    : undefined;
  log(
    `demo: shop running over ${opts.broker ? `RabbitMQ (${redact(opts.broker)})` : 'the in-process Kafka-like broker'}, ` +
      `${opts.rate} orders/s, exporting to ${opts.endpoint}/v1/traces`,
  );

  let stopping: Promise<void> | undefined;
  return {
    stats: shop.stats,
    orderUrl: shop.orderUrl,
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        if (statusTimer) clearInterval(statusTimer);
        await Promise.allSettled([...inFlight]);
        inFlight = new Set();
        await bus.close();
        await shop.close();
        await Promise.allSettled(Object.values(services).map((s) => s.provider.shutdown()));
      })();
      return stopping;
    },
  };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
