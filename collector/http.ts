// OTLP/HTTP receiver: POST /v1/traces (and /v1/metrics: broker metrics) with protobuf or JSON bodies, optionally gzip/deflate,
// over HTTPS when TLS material is given. Replies in the request's content type; every failure is a
// precise status with a message. An ingest token is checked before a byte of the body is read.
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { IngestService, WireFormat } from './service.js';
import { IngestError } from './service.js';
import { OPEN_TOKEN, createIngestAuth, type IngestAuth } from './auth.js';
import type { TlsMaterial } from './tls.js';
import { metrics, type RefusalReason } from '../lib/metrics.js';
import type { MetricsIngest } from './otlp/metrics-service.js';

export interface HttpReceiverOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  retryAfterSeconds: number;
  ingest: IngestService;
  /** OTLP metrics (broker lag metrics) on POST /v1/metrics; absent = 404 there */
  metrics?: MetricsIngest;
  /** ingest tokens; absent = open */
  auth?: IngestAuth;
  /** serve HTTPS with this certificate and key */
  tls?: TlsMaterial;
  log?: (msg: string) => void;
}

const CONTENT_TYPES: Record<string, WireFormat> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfter?: number,
    readonly reason: RefusalReason = status === 413 ? 'size' : 'invalid',
  ) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `request body exceeds the limit of ${limit} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function decompress(body: Buffer, encoding: string, limit: number): Buffer {
  const enc = encoding.trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  if (enc !== 'gzip' && enc !== 'deflate') {
    throw new HttpError(415, `unsupported Content-Encoding "${encoding}" (use gzip, deflate or none)`);
  }
  try {
    const opts = { maxOutputLength: limit };
    return enc === 'gzip' ? zlib.gunzipSync(body, opts) : zlib.inflateSync(body, opts);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new HttpError(413, `decompressed request body exceeds the limit of ${limit} bytes`);
    }
    throw new HttpError(400, `corrupt ${enc} body: ${e.message}`);
  }
}

export async function startHttpReceiver(opts: HttpReceiverOptions): Promise<{ server: http.Server; port: number }> {
  const { ingest } = opts;
  const auth = opts.auth ?? createIngestAuth([]);
  const m = metrics();
  const handler: http.RequestListener = (req, res) => {
    const url = req.url?.split('?')[0] ?? '/';
    let format: WireFormat = 'json';
    let token = OPEN_TOKEN;
    /** spans decoded from this request (0 before decoding: a refusal then counts the request) */
    let spans = 0;
    const reply = (status: number, body: Buffer | string, contentType: string, headers: Record<string, string> = {}) => {
      if (res.headersSent) return;
      res.writeHead(status, { 'content-type': contentType, ...headers });
      res.end(body);
    };
    const fail = (err: unknown) => {
      const e =
        err instanceof HttpError
          ? err
          : err instanceof IngestError
            ? new HttpError(err.httpStatus, err.message, err.retryable ? opts.retryAfterSeconds : undefined, err.reason)
            : new HttpError(500, 'internal error', undefined, 'store_down');
      if (signal === 'traces') m.spansRefused.inc({ reason: e.reason, transport: 'http' }, Math.max(spans, 1));
      m.ingestRequests.inc({ token, transport: 'http', outcome: 'refused' });
      if (e.status >= 500 && !(err instanceof IngestError)) opts.log?.(`[otlp/http] ${String((err as Error)?.stack ?? err)}`);
      const body = ingest.encodeStatus(format, e.status, e.message);
      reply(e.status, body, contentTypeOf(format), e.retryAfter ? { 'retry-after': String(e.retryAfter) } : {});
      // A body we refused to read must not keep the connection half-read.
      if (e.status === 413) req.destroy();
    };

    if (url === '/' || url === '/health') {
      // with ingest tokens set, an anonymous caller learns only that the collector is up
      reply(200, JSON.stringify(auth.required ? { status: 'ok' } : { status: 'ok', ...ingest.stats() }), 'application/json');
      return;
    }
    const signal = url === '/v1/traces' ? 'traces' : url === '/v1/metrics' && opts.metrics ? 'metrics' : undefined;
    if (signal === undefined) {
      const where = opts.metrics ? 'OTLP traces go to POST /v1/traces, metrics to POST /v1/metrics' : 'OTLP traces go to POST /v1/traces';
      reply(404, JSON.stringify({ error: `no such endpoint ${url}; ${where}` }), 'application/json');
      return;
    }
    if (req.method !== 'POST') {
      reply(405, JSON.stringify({ error: 'use POST' }), 'application/json', { allow: 'POST' });
      return;
    }
    const mime = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const f = CONTENT_TYPES[mime];
    if (!f) {
      fail(new HttpError(415, `unsupported Content-Type "${mime}" (use application/x-protobuf or application/json)`));
      req.resume();
      return;
    }
    format = f;
    // Authenticate before reading the body: a stranger's bytes are never read, let alone decoded.
    const who = auth.check(req.headers.authorization, 'http');
    if (!who.ok) {
      reply(401, ingest.encodeStatus(format, 401, who.message), contentTypeOf(format), { 'www-authenticate': 'Bearer realm="eventscope-otlp"' });
      req.resume();
      return;
    }
    token = who.token;
    try {
      // Refuse before reading the body: under overload, bodies must not pile up in memory.
      if (signal === 'metrics') opts.metrics!.assertAccepting();
      else ingest.assertAccepting();
    } catch (err) {
      fail(err);
      req.resume();
      return;
    }
    readBody(req, opts.maxBodyBytes)
      .then((raw) => decompress(raw, String(req.headers['content-encoding'] ?? ''), opts.maxBodyBytes))
      .then((body) => {
        if (signal === 'metrics') return opts.metrics!.store(format, opts.metrics!.decode(format, body));
        const batch = ingest.decode(format, body);
        spans = batch.rows.length;
        m.spansReceived.inc({ transport: 'http' }, spans);
        if (batch.rejectedSpans > 0) m.spansRefused.inc({ reason: 'invalid', transport: 'http' }, batch.rejectedSpans);
        return ingest.store(format, batch);
      })
      .then((result) => {
        m.ingestRequests.inc({ token, transport: 'http', outcome: 'ok' });
        reply(200, result, contentTypeOf(format));
      })
      .catch(fail);
  };
  const server: http.Server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : http.createServer(handler);
  server.requestTimeout = 60_000;
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}

function contentTypeOf(format: WireFormat): string {
  return format === 'protobuf' ? 'application/x-protobuf' : 'application/json';
}
