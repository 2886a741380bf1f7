// The receiver-independent core of the collector: decode an export request, queue its rows,
// answer after commit. HTTP and gRPC are thin transports around this.
import protobuf from 'protobufjs/minimal.js';
import type { DecodedBatch } from '../lib/store/rows.js';
import { IngestQueue, QueueFullError, ShuttingDownError, StoreUnavailableError, type IngestStats } from './pipeline.js';
import { decodeProtoTraces } from './otlp/proto.js';
import { decodeJsonTraces } from './otlp/json.js';
import { DecodeError, SpanLimitError, noLimitHits, type DecodeOptions, type LimitHits } from './otlp/decode.js';
import { encodeExportResponse } from './otlp/response.js';
import { metrics, type RefusalReason } from '../lib/metrics.js';

export type WireFormat = 'protobuf' | 'json';

/** gRPC status codes used by the collector (grpc/status.proto). */
export const GrpcCode = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/** A failure with its meaning for both transports. */
export class IngestError extends Error {
  override name = 'IngestError';
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly grpcCode: number,
    readonly retryable: boolean,
    /** why, as counted in eventscope_spans_refused_total */
    readonly reason: RefusalReason,
  ) {
    super(message);
  }
}

export interface IngestService {
  /** Decodes, stores and returns the encoded ExportTraceServiceResponse; throws IngestError. */
  export(format: WireFormat, body: Uint8Array): Promise<Buffer>;
  /** Just the decode step (for the gRPC deserializer); throws IngestError on bad input or over a limit. */
  decode(format: WireFormat, body: Uint8Array): DecodedBatch;
  /** Stores a decoded batch and returns the encoded response; throws IngestError. */
  store(format: WireFormat, batch: DecodedBatch): Promise<Buffer>;
  /** An error body in the request's format (google.rpc.Status for protobuf, JSON otherwise). */
  encodeStatus(format: WireFormat, httpStatus: number, message: string): Buffer;
  stats(): IngestStats;
  /** Throws the retryable "queue full" IngestError when a request could not be taken now. */
  assertAccepting(): void;
}

export function createIngestService(queue: IngestQueue, decodeOptions: DecodeOptions): IngestService {
  const service: IngestService = {
    decode(format, body) {
      let decoded: DecodedBatch;
      const limitHits = noLimitHits();
      const opts = { ...decodeOptions, limitHits };
      try {
        decoded = format === 'protobuf' ? decodeProtoTraces(body, opts) : decodeJsonTraces(Buffer.from(body), opts);
      } catch (err) {
        if (err instanceof DecodeError) {
          throw new IngestError(`cannot decode the ${format} request: ${err.message}`, 400, GrpcCode.INVALID_ARGUMENT, false, 'invalid');
        }
        if (err instanceof SpanLimitError) {
          metrics().limitsApplied.inc({ limit: 'spans_per_request' });
          // not retryable: the same request would be refused again (INVALID_ARGUMENT, not RESOURCE_EXHAUSTED)
          throw new IngestError(err.message, 413, GrpcCode.INVALID_ARGUMENT, false, 'limit');
        }
        throw err;
      }
      countLimitHits(limitHits);
      return decoded;
    },
    async store(format, batch) {
      try {
        await queue.submit(batch);
      } catch (err) {
        if (err instanceof QueueFullError) throw new IngestError(err.message, 429, GrpcCode.RESOURCE_EXHAUSTED, true, 'overload');
        if (err instanceof ShuttingDownError) throw new IngestError(err.message, 503, GrpcCode.UNAVAILABLE, true, 'overload');
        if (err instanceof StoreUnavailableError) {
          throw new IngestError(err.message, 503, GrpcCode.UNAVAILABLE, true, err.reason);
        }
        throw err;
      }
      return encodeExportResponse(format, batch.rejectedSpans, batch.rejectionMessages.join('; '));
    },
    async export(format, body) {
      return service.store(format, service.decode(format, body));
    },
    encodeStatus(format, httpStatus, message) {
      const code = grpcCodeForHttp(httpStatus);
      if (format === 'json') return Buffer.from(JSON.stringify({ code, message }));
      const w = protobuf.Writer.create();
      w.uint32((1 << 3) | 0).int32(code);
      w.uint32((2 << 3) | 2).string(message);
      return Buffer.from(w.finish());
    },
    stats: () => ({ ...queue.stats }),
    assertAccepting() {
      if (queue.saturated) {
        queue.stats.rejectedFull++;
        const { queuedSpans, queuedBytes } = queue.stats;
        throw new IngestError(`ingest queue is full (${queuedSpans} spans, ${queuedBytes} bytes waiting)`, 429, GrpcCode.RESOURCE_EXHAUSTED, true, 'overload');
      }
    },
  };
  return service;
}

/** Counts what the per-span limits cut in one request: spans a count limit cut, values truncated. */
function countLimitHits(h: LimitHits): void {
  if (h.attributes_per_span + h.attribute_value_length + h.events_per_span + h.links_per_span === 0) return;
  const c = metrics().limitsApplied;
  if (h.attributes_per_span > 0) c.inc({ limit: 'attributes_per_span' }, h.attributes_per_span);
  if (h.attribute_value_length > 0) c.inc({ limit: 'attribute_value_length' }, h.attribute_value_length);
  if (h.events_per_span > 0) c.inc({ limit: 'events_per_span' }, h.events_per_span);
  if (h.links_per_span > 0) c.inc({ limit: 'links_per_span' }, h.links_per_span);
}

function grpcCodeForHttp(status: number): number {
  if (status === 401) return GrpcCode.UNAUTHENTICATED;
  if (status === 429) return GrpcCode.RESOURCE_EXHAUSTED;
  if (status === 503) return GrpcCode.UNAVAILABLE;
  if (status >= 500) return GrpcCode.INTERNAL;
  return GrpcCode.INVALID_ARGUMENT;
}
