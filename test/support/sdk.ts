// Spans recorded with the real OpenTelemetry SDK (kept in memory), and a promise around an
// exporter's callback — for tests that send through the official OTLP exporters.
import type { ExportResult } from '@opentelemetry/core';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Tracer } from '@opentelemetry/api';

/** A tracer of one service whose finished spans stay in memory. */
export function sdkTracer(service: string, scope = 'eventscope-test'): { tracer: Tracer; spans: () => ReadableSpan[] } {
  const memory = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  return { tracer: provider.getTracer(scope), spans: () => memory.getFinishedSpans() };
}

/** `n` finished spans (`op 0` … `op n-1`) of one service. */
export function recordSpans(service: string, n = 2, scope?: string): ReadableSpan[] {
  const { tracer, spans } = sdkTracer(service, scope);
  for (let i = 0; i < n; i++) tracer.startSpan(`op ${i}`).end();
  return spans();
}

export function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}
