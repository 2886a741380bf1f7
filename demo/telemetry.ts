// One OpenTelemetry SDK per demo service (its own resource and exporter), the way separate
// services would each run their own SDK, plus W3C trace-context propagation through headers.
import { context, type Context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { AgentOptions as HttpsAgentOptions } from 'node:https';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';

export interface ServiceTelemetry {
  name: string;
  tracer: Tracer;
  provider: NodeTracerProvider;
}

export interface TelemetryOptions {
  /** OTLP/HTTP base URL */
  endpoint: string;
  exportIntervalMs: number;
  /** extra resource attributes (e.g. to look like a Java service) */
  resource?: Record<string, string>;
  /** for tests: export elsewhere */
  exporter?: SpanExporter;
  /** extra request headers (e.g. `Authorization: Bearer <ingest token>`; OTEL_EXPORTER_OTLP_HEADERS works too) */
  headers?: Record<string, string>;
  /** agent options for an https:// endpoint (e.g. the certificate to trust) */
  httpAgentOptions?: HttpsAgentOptions;
}

// Its own propagator instance: the demo never depends on (or changes) the host's global one.
const propagator = new W3CTraceContextPropagator();
let contextManagerReady = false;

/**
 * Context must follow async work for parent/child to be right. The six providers are not
 * registered globally (only one could be), so install the async-hooks context manager once,
 * unless the host process already has one.
 */
export function ensureContextManager(): void {
  if (contextManagerReady) return;
  const manager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(manager)) manager.disable();
  contextManagerReady = true;
}

export function createServiceTelemetry(name: string, opts: TelemetryOptions): ServiceTelemetry {
  ensureContextManager();
  const exporter =
    opts.exporter ??
    new OTLPTraceExporter({ url: `${opts.endpoint}/v1/traces`, timeoutMillis: 10_000, headers: opts.headers, httpAgentOptions: opts.httpAgentOptions });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': name,
      'service.namespace': 'demo-shop',
      'service.version': '1.0.0',
      'service.instance.id': `${name}-1`,
      'host.name': `${name}-host`,
      'deployment.environment.name': 'demo',
      ...opts.resource,
    }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        scheduledDelayMillis: opts.exportIntervalMs,
        maxExportBatchSize: 512,
        maxQueueSize: 20_000,
      }),
    ],
  });
  return { name, provider, tracer: provider.getTracer('eventscope-demo', '1.0.0') };
}

/** Writes `traceparent`/`tracestate` of `ctx` into message or HTTP headers. */
export function injectContext(ctx: Context, headers: Record<string, string>): Record<string, string> {
  propagator.inject(ctx, headers, {
    set: (carrier, key, value) => {
      (carrier as Record<string, string>)[key] = value;
    },
  });
  return headers;
}

/** Reads the producer's context from message or HTTP headers (a context with no span if absent). */
export function extractContext(headers: Record<string, string | string[] | undefined>): Context {
  return propagator.extract(context.active(), headers, {
    get: (carrier, key) => {
      const v = (carrier as Record<string, string | string[] | undefined>)[key];
      return Array.isArray(v) ? v[0] : v;
    },
    keys: (carrier) => Object.keys(carrier as object),
  });
}

