// amqplib for the main thread, loaded only through the official instrumentation. The instrumentation
// patches amqplib's internal files when they are first required, so whoever loads amqplib first in
// a process decides whether it is instrumented: everything in this thread loads it from here.
import { createRequire } from 'node:module';
import {
  context,
  createContextKey,
  propagation,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import type * as Amqp from 'amqplib';
import type { DemoService } from '../messaging.js';

export const SERVICE_KEY = createContextKey('eventscope.demo.service');

/**
 * The six services share this process, but one amqplib instrumentation serves them all. This
 * provider hands each span the instrumentation starts to the SDK of the service it belongs to:
 * a consumer span (`<queue> process`) to the queue's owner, a publish span to the service whose
 * code is publishing (marked in the context by RabbitBus.publish).
 */
export class ServiceRoutingTracerProvider implements TracerProvider {
  readonly queueOwners = new Map<string, DemoService>();
  readonly services = new Map<string, DemoService>();

  getTracer(scopeName: string, scopeVersion?: string): Tracer {
    // each service's own tracer under the instrumentation's scope name, so spans say who made them
    const tracers = new Map<DemoService, Tracer>();
    const tracerOf = (svc: DemoService) => {
      let t = tracers.get(svc);
      if (!t) tracers.set(svc, (t = svc.provider.getTracer(scopeName, scopeVersion)));
      return t;
    };
    const pick = (name: string, ctx: Context): Tracer | undefined => {
      const queue = / process$/.test(name) ? name.slice(0, -' process'.length) : undefined;
      const owner = (queue && this.queueOwners.get(queue)) || this.services.get(String(ctx.getValue(SERVICE_KEY) ?? ''));
      return owner && tracerOf(owner);
    };
    const startSpan = (name: string, options?: SpanOptions, ctx: Context = context.active()): Span => {
      const tracer = pick(name, ctx) ?? trace.getTracer(scopeName, scopeVersion);
      return tracer.startSpan(name, options, ctx);
    };
    return {
      startSpan,
      startActiveSpan: ((name: string, ...rest: unknown[]) => {
        const fn = rest.pop() as (span: Span) => unknown;
        const [options, ctx = context.active()] = rest as [SpanOptions | undefined, Context | undefined];
        const span = startSpan(name, options, ctx);
        return context.with(trace.setSpan(ctx, span), fn, undefined, span);
      }) as Tracer['startActiveSpan'],
    };
  }
}

let routing: ServiceRoutingTracerProvider | undefined;
let amqplib: typeof Amqp | undefined;

/** Registers the instrumentation once per process, then loads amqplib through the patched require. */
export function instrumentedAmqplib(): { amqp: typeof Amqp; routing: ServiceRoutingTracerProvider } {
  if (!routing || !amqplib) {
    routing = new ServiceRoutingTracerProvider();
    // the instrumentation injects/extracts with the global propagator; keep the host's if it has one
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    registerInstrumentations({ tracerProvider: routing, instrumentations: [new AmqplibInstrumentation()] });
    amqplib = createRequire(import.meta.url)('amqplib') as typeof Amqp;
  }
  return { amqp: amqplib, routing };
}
