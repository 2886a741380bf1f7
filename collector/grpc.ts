// OTLP/gRPC receiver: opentelemetry.proto.collector.trace.v1.TraceService/Export. The request
// deserializer is the same protobuf decoder the HTTP receiver uses; grpc-js handles gzip.
import * as grpc from '@grpc/grpc-js';
import type { DecodedBatch } from '../lib/store/rows.js';
import { GrpcCode, IngestError, type IngestService } from './service.js';

export interface GrpcReceiverOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  ingest: IngestService;
  log?: (msg: string) => void;
}

type Decoded = { batch: DecodedBatch } | { error: IngestError };

export async function startGrpcReceiver(opts: GrpcReceiverOptions): Promise<{ server: grpc.Server; port: number }> {
  const { ingest } = opts;
  const definition: grpc.ServiceDefinition = {
    Export: {
      path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
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
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxBodyBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });
  server.addService(definition, {
    Export: (call: grpc.ServerUnaryCall<Decoded, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const req = call.request;
      if ('error' in req) {
        callback({ code: req.error.grpcCode, details: req.error.message });
        return;
      }
      ingest.store('protobuf', req.batch).then(
        (response) => callback(null, response),
        (err: unknown) => {
          if (err instanceof IngestError) {
            callback({ code: err.grpcCode, details: err.message });
          } else {
            opts.log?.(`[otlp/grpc] ${String((err as Error)?.stack ?? err)}`);
            callback({ code: GrpcCode.INTERNAL, details: 'internal error' });
          }
        },
      );
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    );
  });
  return { server, port };
}
