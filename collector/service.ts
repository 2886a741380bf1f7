// The receiver-independent core of the collector: decode an export request, queue its rows,
// answer after commit. HTTP and gRPC are thin transports around this.
import protobuf from 'protobufjs/minimal.js';
import type { DecodedBatch } from '../lib/store/rows.js';
import { IngestQueue, QueueFullError, ShuttingDownError, StoreUnavailableError, type IngestStats } from './pipeline.js';
import { decodeProtoTraces } from './otlp/proto.js';
import { decodeJsonTraces } from './otlp/json.js';
import { DecodeError, type DecodeOptions } from './otlp/decode.js';
import { encodeExportResponse } from './otlp/response.js';

export type WireFormat = 'protobuf' | 'json';

/** gRPC status codes used by the collector (grpc/status.proto). */
export const GrpcCode = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, INTERNAL: 13 } as const;

/** A failure with its meaning for both transports. */
export class IngestError extends Error {
  override name = 'IngestError';
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly grpcCode: number,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface IngestService {
  /** Decodes, stores and returns the encoded ExportTraceServiceResponse; throws IngestError. */
  export(format: WireFormat, body: Uint8Array): Promise<Buffer>;
  /** Just the decode step (for the gRPC deserializer); throws IngestError on bad input. */
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
      try {
        return format === 'protobuf' ? decodeProtoTraces(body, decodeOptions) : decodeJsonTraces(Buffer.from(body), decodeOptions);
      } catch (err) {
        if (err instanceof DecodeError) {
          throw new IngestError(`cannot decode the ${format} request: ${err.message}`, 400, GrpcCode.INVALID_ARGUMENT, false);
        }
        throw err;
      }
    },
    async store(format, batch) {
      try {
        await queue.submit(batch);
      } catch (err) {
        if (err instanceof QueueFullError) throw new IngestError(err.message, 429, GrpcCode.RESOURCE_EXHAUSTED, true);
        if (err instanceof StoreUnavailableError || err instanceof ShuttingDownError) {
          throw new IngestError(err.message, 503, GrpcCode.UNAVAILABLE, true);
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
        throw new IngestError(`ingest queue is full (${queuedSpans} spans, ${queuedBytes} bytes waiting)`, 429, GrpcCode.RESOURCE_EXHAUSTED, true);
      }
    },
  };
  return service;
}

function grpcCodeForHttp(status: number): number {
  if (status === 429) return GrpcCode.RESOURCE_EXHAUSTED;
  if (status === 503) return GrpcCode.UNAVAILABLE;
  if (status >= 500) return GrpcCode.INTERNAL;
  return GrpcCode.INVALID_ARGUMENT;
}
