// OTLP/gRPC receiver: opentelemetry.proto.collector.trace.v1.TraceService/Export (and
// metrics.v1.MetricsService/Export for broker metrics, behind the same interceptor). The request
// deserializer is the same protobuf decoder the HTTP receiver uses; grpc-js handles gzip. With
// ingest tokens, a server interceptor checks the `authorization` metadata before the message is
// read (grpc-js reads it only once the metadata is passed on), and with TLS material the server
// speaks TLS only.
import * as grpc from '@grpc/grpc-js';
import type { DecodedBatch } from '../lib/store/rows.js';
import { GrpcCode, IngestError, type IngestService } from './service.js';
import { OPEN_TOKEN, createIngestAuth, type IngestAuth } from './auth.js';
import type { TlsMaterial } from './tls.js';
import { metrics } from '../lib/metrics.js';
import type { MetricsIngest } from './otlp/metrics-service.js';
import type { DecodedMetrics } from './otlp/metrics-decode.js';

export interface GrpcReceiverOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  ingest: IngestService;
  /** OTLP metrics (broker lag metrics): the MetricsService; absent = not served */
  metrics?: MetricsIngest;
  /** ingest tokens; absent = open */
  auth?: IngestAuth;
  /** serve TLS with this certificate and key */
  tls?: TlsMaterial;
  log?: (msg: string) => void;
}

type Decoded = { batch: DecodedBatch } | { error: IngestError };

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const METRICS_EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
type DecodedMetricsRequest = { decoded: DecodedMetrics } | { error: IngestError };
/**
 * Metadata the interceptor sets to the authenticated token's name for the handler. Any value a
 * client sends under this key is replaced (or removed when ingest is open) before the handler runs.
 */
const TOKEN_KEY = 'x-eventscope-ingest-token';

export async function startGrpcReceiver(opts: GrpcReceiverOptions): Promise<{ server: grpc.Server; port: number }> {
  const { ingest } = opts;
  const auth = opts.auth ?? createIngestAuth([]);
  const m = metrics();
  const definition: grpc.ServiceDefinition = {
    Export: {
      path: EXPORT_PATH,
      requestStream: false,
      responseStream: false,
      requestSerialize: (x: Buffer) => x,
      requestDeserialize: (buf: Buffer): Decoded => {
        try {
          ingest.assertAccepting(); // a full queue refuses before decoding
          return { batch: ingest.decode('protobuf', buf) };
        } catch (err) {
          if (err instanceof IngestError) return { error: err };
          throw err;
        }
      },
      responseSerialize: (x: Buffer) => x,
      responseDeserialize: (x: Buffer) => x,
    },
  };
  const authenticate: grpc.ServerInterceptor = (_method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, pass) {
            const who = auth.check(metadata.get('authorization').map(String), 'grpc');
            if (!who.ok) {
              call.sendStatus({ code: GrpcCode.UNAUTHENTICATED, details: who.message, metadata: new grpc.Metadata() });
              return; // the message is never read
            }
            metadata.set(TOKEN_KEY, who.token);
            pass(metadata);
          },
        });
      },
    });
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxBodyBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
    interceptors: [authenticate],
  });
  server.addService(definition, {
    Export: (call: grpc.ServerUnaryCall<Decoded, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const token = String(call.metadata.get(TOKEN_KEY)[0] ?? OPEN_TOKEN);
      const req = call.request;
      const refuse = (err: IngestError, spans: number) => {
        m.spansRefused.inc({ reason: err.reason, transport: 'grpc' }, Math.max(spans, 1));
        m.ingestRequests.inc({ token, transport: 'grpc', outcome: 'refused' });
        callback({ code: err.grpcCode, details: err.message });
      };
      if ('error' in req) {
        refuse(req.error, 0);
        return;
      }
      const spans = req.batch.rows.length;
      m.spansReceived.inc({ transport: 'grpc' }, spans);
      if (req.batch.rejectedSpans > 0) m.spansRefused.inc({ reason: 'invalid', transport: 'grpc' }, req.batch.rejectedSpans);
      ingest.store('protobuf', req.batch).then(
        (response) => {
          m.ingestRequests.inc({ token, transport: 'grpc', outcome: 'ok' });
          callback(null, response);
        },
        (err: unknown) => {
          if (err instanceof IngestError) {
            refuse(err, spans);
          } else {
            opts.log?.(`[otlp/grpc] ${String((err as Error)?.stack ?? err)}`);
            m.spansRefused.inc({ reason: 'store_down', transport: 'grpc' }, Math.max(spans, 1));
            m.ingestRequests.inc({ token, transport: 'grpc', outcome: 'refused' });
            callback({ code: GrpcCode.INTERNAL, details: 'internal error' });
          }
        },
      );
    },
  });
  const metricsIngest = opts.metrics;
  if (metricsIngest) {
    const metricsDefinition: grpc.ServiceDefinition = {
      Export: {
        path: METRICS_EXPORT_PATH,
        requestStream: false,
        responseStream: false,
        requestSerialize: (x: Buffer) => x,
        requestDeserialize: (buf: Buffer): DecodedMetricsRequest => {
          try {
            metricsIngest.assertAccepting();
            return { decoded: metricsIngest.decode('protobuf', buf) };
          } catch (err) {
            if (err instanceof IngestError) return { error: err };
            throw err;
          }
        },
        responseSerialize: (x: Buffer) => x,
        responseDeserialize: (x: Buffer) => x,
      },
    };
    server.addService(metricsDefinition, {
      Export: (call: grpc.ServerUnaryCall<DecodedMetricsRequest, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const token = String(call.metadata.get(TOKEN_KEY)[0] ?? OPEN_TOKEN);
        const req = call.request;
        const refuse = (err: IngestError) => {
          m.ingestRequests.inc({ token, transport: 'grpc', outcome: 'refused' });
          callback({ code: err.grpcCode, details: err.message });
        };
        if ('error' in req) {
          refuse(req.error);
          return;
        }
        metricsIngest.store('protobuf', req.decoded).then(
          (response) => {
            m.ingestRequests.inc({ token, transport: 'grpc', outcome: 'ok' });
            callback(null, response);
          },
          (err: unknown) => {
            if (err instanceof IngestError) refuse(err);
            else {
              opts.log?.(`[otlp/grpc] ${String((err as Error)?.stack ?? err)}`);
              m.ingestRequests.inc({ token, transport: 'grpc', outcome: 'refused' });
              callback({ code: GrpcCode.INTERNAL, details: 'internal error' });
            }
          },
        );
      },
    });
  }
  const credentials = opts.tls
    ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: opts.tls.cert, private_key: opts.tls.key }], false)
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host}:${opts.port}`, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });
  return { server, port };
}
