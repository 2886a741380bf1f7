// A real socket.io server and two real socket.io-client apps in one process, for
// instrumentation-socketio.test.ts (through the collector) and for recording test/fixtures/socket.io/.
//
// The server (`orders-ws`) is traced by the official @opentelemetry/instrumentation-socket.io: it makes
// a CONSUMER span `receive <namespace>` around every listener and a PRODUCER span `send <namespace>`
// around every emit. The instrumentation does not propagate context, and socket.io-client has no
// instrumentation at all, so the apps do what a user does: the instrumentation's hooks carry a W3C
// traceparent in the payload (emitHook injects it, onHook links the handler span to it) and the
// client apps trace their own emit and handler with the same attribute names.
//
//   till-ws ──emitWithAck('order:place', retries 2)──▶ orders-ws /orders ──to('kitchen').emit('order:placed')──▶ kitchen-ws
//
// The handler fails the first attempt of FAILING_ORDER (records the exception on its span and sends no
// acknowledgement); socket.io-client's `retries` sends the same packet again after `ackTimeout`, and
// the second attempt succeeds.
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Span, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { SocketIoInstrumentation } from '@opentelemetry/instrumentation-socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';

export const NAMESPACE = '/orders';
export const PLACE = 'order:place';
export const PLACED = 'order:placed';
export const ORDERS = 3;
export const FAILING_ORDER = 'o-1';
/** long enough that a handled event is acknowledged well within it on a busy machine */
// generous: a successful ack slower than this (a loaded CI machine) would be resent and break the attempt counts
const ACK_TIMEOUT_MS = 5000;
export const SERVICES = { till: 'till-ws', server: 'orders-ws', kitchen: 'kitchen-ws' } as const;

type Carrier = Record<string, string>;
interface Payload {
  order: string;
  otel?: Carrier;
}

const ATTRS = (event: string) => ({ 'messaging.system': 'socket.io', 'messaging.destination': NAMESPACE, 'messaging.socket.io.namespace': NAMESPACE, 'messaging.socket.io.event_name': event });

export async function runSocketIoScenario(providers: Record<keyof typeof SERVICES, TracerProvider>): Promise<{ attempts: Record<string, number>; kitchenGot: string[] }> {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const instrumentation = new SocketIoInstrumentation({
    traceReserved: true, // a user who also wants connect/disconnect traced: housekeeping
    // the user's propagation: the emit's context rides in the payload, the handler span links to it
    emitHook: (span: Span, { payload }) => {
      const p = payload[0] as Payload | undefined;
      if (p && typeof p === 'object' && p.otel) propagation.inject(trace.setSpan(context.active(), span), p.otel);
    },
    onHook: (span: Span, { payload }) => {
      const carrier = (payload[0] as Payload | undefined)?.otel;
      const linked = carrier ? trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier)) : undefined;
      if (linked) span.addLink({ context: linked });
    },
  });
  registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: providers.server });
  // the instrumentation patches the CommonJS build when it is required
  const { Server } = createRequire(import.meta.url)('socket.io') as typeof import('socket.io');

  const attempts: Record<string, number> = {};
  const server = new Server(0 as never);
  const httpServer = (server as unknown as { httpServer: import('node:http').Server }).httpServer;
  const port = await new Promise<number>((resolve) => {
    if (httpServer.listening) resolve((httpServer.address() as AddressInfo).port);
    else httpServer.once('listening', () => resolve((httpServer.address() as AddressInfo).port));
  });
  const nsp = server.of(NAMESPACE);
  nsp.on('connection', (socket) => {
    if (socket.handshake.auth?.role === 'kitchen') socket.join('kitchen');
    socket.on('disconnect', () => {});
    socket.on(PLACE, (p: Payload, ack: (err: string | null, res?: unknown) => void) => {
      attempts[p.order] = (attempts[p.order] ?? 0) + 1;
      try {
        if (p.order === FAILING_ORDER && attempts[p.order] === 1) throw new Error(`stock service timed out for ${p.order}`);
        nsp.to('kitchen').emit(PLACED, { order: p.order, otel: {} });
        ack(null, { accepted: p.order });
      } catch (err) {
        // a handler that fails records it on its span (the instrumentation's, active here) and does not
        // acknowledge: the client's `retries` resend the same packet when `ackTimeout` passes. (An ack
        // with an error would not be retried: socket.io-client counts only a missing ack as a failure.)
        trace.getActiveSpan()?.recordException(err as Error);
      }
    });
  });

  const url = `http://127.0.0.1:${port}${NAMESPACE}`;
  const kitchenGot: string[] = [];
  const kitchenTracer = providers.kitchen.getTracer('kitchen-app');
  const kitchen = connect(url, { auth: { role: 'kitchen' }, transports: ['websocket'] });
  let placedLeft = ORDERS;
  let allPlaced!: () => void;
  const placed = new Promise<void>((r) => (allPlaced = r));
  kitchen.on(PLACED, (p: Payload) => {
    const parent = propagation.extract(ROOT_CONTEXT, p.otel ?? {});
    kitchenTracer.startActiveSpan(`receive ${NAMESPACE}`, { kind: SpanKind.CONSUMER, attributes: { ...ATTRS(PLACED), 'messaging.operation': 'receive' } }, parent, (span) => {
      kitchenGot.push(p.order);
      span.end();
    });
    if (--placedLeft === 0) allPlaced();
  });
  const till: ClientSocket = connect(url, { retries: 2, ackTimeout: ACK_TIMEOUT_MS, transports: ['websocket'] });
  await Promise.all([kitchen, till].map((s) => new Promise<void>((r) => s.once('connect', () => r()))));

  const tillTracer = providers.till.getTracer('till-app');
  for (let i = 0; i < ORDERS; i++) {
    const order = `o-${i}`;
    await tillTracer.startActiveSpan(`send ${NAMESPACE}`, { kind: SpanKind.PRODUCER, attributes: { ...ATTRS(PLACE), 'messaging.operation': 'send' } }, async (span) => {
      const payload: Payload = { order, otel: {} };
      propagation.inject(context.active(), payload.otel!);
      try {
        await till.emitWithAck(PLACE, payload);
      } finally {
        span.end();
      }
    });
  }
  await placed;
  till.disconnect();
  kitchen.disconnect();
  // let the server see both disconnects (traced as reserved events)
  await new Promise<void>((r) => {
    const wait = () => (nsp.sockets.size === 0 ? r() : setTimeout(wait, 20));
    wait();
  });
  await new Promise<void>((r) => server.close(() => r()));
  instrumentation.disable();
  return { attempts, kitchenGot };
}
