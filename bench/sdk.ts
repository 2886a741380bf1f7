// Child process of the benchmark: one OpenTelemetry SDK process, as an instrumented service runs
// it. A BasicTracerProvider with the default BatchSpanProcessor (no options: queue 2,048 spans,
// batches of 512, 5 s schedule, one export at a time) and the OTLP/HTTP protobuf exporter
// (@opentelemetry/exporter-trace-otlp-proto, defaults) pointed at Eventscope. A loop creates the
// workload's traces (bench/workload.ts: 10 spans, ~10 attributes each, an event, a link) as fast as
// the SDK lets it for `seconds`: it yields to the event loop after every trace so the exporter can
// run, and waits while the processor's queue has no room for another trace (an unpaced loop would
// only burn a core making spans the full queue drops, on the cores the collector needs). Spans the
// processor drops anyway are counted, not retried (that is what the SDK does).
// Runs once with its options as argv[2] (JSON) and sends the result as its only message.
import { ROOT_CONTEXT, SpanStatusCode, trace, type Link, type Span, type SpanContext } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { cpuNow } from './rows.js';
import { traceSpans } from './workload.js';
import { runAsChild } from './child.js';

export interface SdkOptions {
  /** OTLP/HTTP base URL of Eventscope */
  url: string;
  seconds: number;
  /** stop creating after this many spans (0: only the time limit) */
  maxSpans: number;
}

export interface SdkResult {
  seconds: number;
  /** spans ended by the loop */
  createdSpans: number;
  /** spans the BatchSpanProcessor handed to the exporter (the rest it dropped: queue full) */
  exportedSpans: number;
  droppedSpans: number;
  /** spans of exports answered with success */
  acknowledgedSpans: number;
  failedExports: number;
  exports: number;
  /** from the first span to the last export's answer (after the loop: forceFlush) */
  wallS: number;
  acknowledgedPerSecond: number;
  /** export() call → its callback, per export */
  exportMs: { p50: number; p95: number; max: number; mean: number };
  sdkCpuSeconds: number;
}

/** Wraps the exporter to time each export from the call to its result. */
class TimedExporter implements SpanExporter {
  latencies: number[] = [];
  exported = 0;
  private handedOver: Array<() => void> = [];
  /** resolves at the next export() call (the processor has just taken a batch off its queue) */
  nextExport(): Promise<void> {
    return new Promise((r) => this.handedOver.push(r));
  }
  acknowledged = 0;
  failed = 0;
  lastAnswer = 0;
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    const t0 = performance.now();
    this.exported += spans.length;
    for (const r of this.handedOver.splice(0)) r();
    this.inner.export(spans, (r) => {
      this.lastAnswer = performance.now();
      this.latencies.push(this.lastAnswer - t0);
      if (r.code === ExportResultCode.SUCCESS) this.acknowledged += spans.length;
      else this.failed++;
      done(r);
    });
  }
  shutdown() {
    return this.inner.shutdown();
  }
  forceFlush() {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

const SPAN_KIND = [0, 0, 1, 2, 3, 4] as const;
/** the BatchSpanProcessor's default maxQueueSize (OTEL_BSP_MAX_QUEUE_SIZE is removed from our env) */
const QUEUE = 2048; // OTLP SpanKind (1 internal … 5 consumer) → api SpanKind

async function main() {
  const opts = JSON.parse(process.argv[2]!) as SdkOptions;
  const exporter = new TimedExporter(new OTLPTraceExporter({ url: `${opts.url}/v1/traces` }));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'orders',
      'service.version': '2.14.1',
      'service.instance.id': 'orders-7f3c9a1e',
      'host.name': 'orders-7d9f8b6c5-x2k4q',
      'deployment.environment.name': 'production',
      'process.runtime.name': 'nodejs',
      'process.runtime.version': process.versions.node,
    }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('@opentelemetry/instrumentation-kafkajs', '0.14.0');
  const c0 = cpuNow();
  const t0 = performance.now();
  const deadline = t0 + opts.seconds * 1000;
  let created = 0;
  let lastPublish: SpanContext | undefined;
  for (let n = 0; performance.now() < deadline && (opts.maxSpans === 0 || created < opts.maxSpans); n++) {
    const specs = traceSpans(n, 0n);
    // queued in the processor = ended − handed to the exporter; wait for room for this trace
    while (created - exporter.exported + specs.length > QUEUE) await exporter.nextExport();
    const open: Span[] = [];
    for (const s of specs) {
      const parent = s.parentIdx >= 0 ? open[s.parentIdx] : undefined;
      const links: Link[] = s.link && lastPublish ? [{ context: lastPublish, attributes: Object.fromEntries(s.link.attributes) }] : [];
      const span = tracer.startSpan(
        s.name,
        { kind: SPAN_KIND[s.kind], attributes: Object.fromEntries(s.attributes), links },
        parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT,
      );
      if (s.event) span.addEvent(s.event.name, Object.fromEntries(s.event.attributes));
      if (s.error) span.setStatus({ code: SpanStatusCode.ERROR, message: s.error });
      open[s.spanIdx] = span;
    }
    // children end before their parents, as in a real request
    for (let i = open.length - 1; i >= 0; i--) open[i]!.end();
    lastPublish = open[4]?.spanContext();
    created += specs.length;
    await new Promise<void>((r) => setImmediate(r));
  }
  await provider.forceFlush();
  const end = Math.max(exporter.lastAnswer, t0);
  const wallS = (end - t0) / 1000;
  const sdkCpuSeconds = cpuNow() - c0;
  await provider.shutdown();
  const lat = [...exporter.latencies].sort((a, b) => a - b);
  const pick = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] ?? 0;
  const result: SdkResult = {
    seconds: opts.seconds,
    createdSpans: created,
    exportedSpans: exporter.exported,
    droppedSpans: created - exporter.exported,
    acknowledgedSpans: exporter.acknowledged,
    failedExports: exporter.failed,
    exports: lat.length,
    wallS,
    acknowledgedPerSecond: exporter.acknowledged / wallS,
    exportMs: { p50: pick(0.5), p95: pick(0.95), max: lat.at(-1) ?? 0, mean: lat.reduce((a, b) => a + b, 0) / Math.max(1, lat.length) },
    sdkCpuSeconds,
  };
  await new Promise<void>((resolve) => process.send!(result, undefined, {}, () => resolve()));
}

runAsChild(main);
