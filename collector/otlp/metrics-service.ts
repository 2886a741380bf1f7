// The receiver-independent core of OTLP metrics ingest (POST /v1/metrics, gRPC MetricsService):
// decode, store the broker metrics' points, answer after commit with partial_success saying what was
// rejected or not stored. Broker metrics are few (a scrape every 10-60 s per group and partition),
// so each request is one insert of its rows, not a trip through the span queue; a bounded number of
// inserts in flight keeps memory bounded, like the queue does for spans.
import protobuf from 'protobufjs/minimal.js';
import { GrpcCode, IngestError, type WireFormat } from '../service.js';
import { isDiskFull } from '../../lib/store/disk-full.js';
import { DecodeError, type DecodeLimits } from './decode.js';
import { partialSuccessMessage, type BrokerMetricRow, type DecodedMetrics } from './metrics-decode.js';
import { decodeProtoMetrics } from './metrics-proto.js';
import { decodeJsonMetrics } from './metrics-json.js';

export interface MetricsIngest {
  /** Decodes a request; throws IngestError (400) when the body is not an ExportMetricsServiceRequest. */
  decode(format: WireFormat, body: Uint8Array): DecodedMetrics;
  /** Stores the decoded rows and returns the encoded ExportMetricsServiceResponse; throws IngestError. */
  store(format: WireFormat, decoded: DecodedMetrics): Promise<Buffer>;
  /** Throws the retryable "too many inserts in flight" IngestError when a request cannot be taken now. */
  assertAccepting(): void;
}

export interface MetricsIngestOptions {
  /** writes the rows into broker_metrics; resolves when committed */
  insert(rows: readonly BrokerMetricRow[]): Promise<void>;
  limits?: DecodeLimits;
  /** inserts at once before requests are refused (429 / RESOURCE_EXHAUSTED) */
  maxInFlight?: number;
  log?: (msg: string) => void;
}

export function createMetricsIngest(o: MetricsIngestOptions): MetricsIngest {
  const maxInFlight = o.maxInFlight ?? 16;
  let inFlight = 0;
  const service: MetricsIngest = {
    decode(format, body) {
      try {
        return format === 'protobuf' ? decodeProtoMetrics(body, o.limits) : decodeJsonMetrics(body, o.limits);
      } catch (err) {
        if (err instanceof DecodeError) {
          throw new IngestError(`cannot decode the ${format} metrics request: ${err.message}`, 400, GrpcCode.INVALID_ARGUMENT, false, 'invalid');
        }
        throw err;
      }
    },
    async store(format, decoded) {
      if (decoded.rows.length > 0) {
        service.assertAccepting();
        inFlight++;
        try {
          await o.insert(decoded.rows);
        } catch (err) {
          const full = isDiskFull(err);
          o.log?.(`[collector] store write of ${decoded.rows.length} broker metric points failed: ${(err as Error)?.message ?? err}`);
          throw new IngestError(
            full ? 'the store’s disk is full; broker metric points not stored, retry later' : 'the store could not write the broker metric points; retry later',
            503,
            GrpcCode.UNAVAILABLE,
            true,
            full ? 'disk_full' : 'store_down',
          );
        } finally {
          inFlight--;
        }
      }
      return encodeMetricsResponse(format, decoded.rejectedPoints + decoded.ignoredPoints, partialSuccessMessage(decoded));
    },
    assertAccepting() {
      if (inFlight >= maxInFlight) {
        throw new IngestError(`${inFlight} broker metric inserts are in flight; retry later`, 429, GrpcCode.RESOURCE_EXHAUSTED, true, 'overload');
      }
    },
  };
  return service;
}

/**
 * ExportMetricsServiceResponse: partial_success (1) = ExportMetricsPartialSuccess { int64
 * rejected_data_points = 1; string error_message = 2; }; empty when everything was stored.
 */
export function encodeMetricsResponse(format: WireFormat, rejectedDataPoints: number, errorMessage: string): Buffer {
  if (format === 'json') {
    if (rejectedDataPoints === 0 && errorMessage === '') return Buffer.from('{}');
    const partialSuccess: { rejectedDataPoints?: string; errorMessage?: string } = {};
    if (rejectedDataPoints !== 0) partialSuccess.rejectedDataPoints = String(rejectedDataPoints);
    if (errorMessage !== '') partialSuccess.errorMessage = errorMessage;
    return Buffer.from(JSON.stringify({ partialSuccess }));
  }
  if (rejectedDataPoints === 0 && errorMessage === '') return Buffer.alloc(0);
  const inner = protobuf.Writer.create();
  if (rejectedDataPoints !== 0) inner.uint32((1 << 3) | 0).int64(rejectedDataPoints);
  if (errorMessage !== '') inner.uint32((2 << 3) | 2).string(errorMessage);
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).bytes(inner.finish());
  return Buffer.from(w.finish());
}
