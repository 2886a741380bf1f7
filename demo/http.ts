// Synchronous calls between demo services: a node:http server with SERVER spans and a fetch
// client with CLIENT spans, trace context carried in the W3C `traceparent` header.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { extractContext, injectContext, type ServiceTelemetry } from './telemetry.js';

export interface Reply {
  status: number;
  body: unknown;
}

export interface Route {
  method: string;
  /** e.g. '/orders/:id' */
  route: string;
  handle(params: Record<string, string>, body: unknown): Promise<Reply>;
}

export interface TracedServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

function match(route: string, path: string): Record<string, string> | undefined {
  const a = route.split('/');
  const b = path.split('/');
  if (a.length !== b.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.startsWith(':')) params[a[i]!.slice(1)] = decodeURIComponent(b[i]!);
    else if (a[i] !== b[i]) return undefined;
  }
  return params;
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return undefined;
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Starts an HTTP server on 127.0.0.1 (ephemeral port) whose requests are SERVER spans of `svc`. */
export async function startTracedServer(svc: ServiceTelemetry, routes: Route[]): Promise<TracedServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    let params: Record<string, string> | undefined;
    const route = routes.find((r) => r.method === method && (params = match(r.route, url.pathname)));
    const parent = extractContext(req.headers);
    const span = svc.tracer.startSpan(
      route ? `${method} ${route.route}` : method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': method,
          'url.path': url.pathname,
          'url.scheme': 'http',
          'server.address': '127.0.0.1',
          'server.port': port,
          ...(route && { 'http.route': route.route }),
        },
      },
      parent,
    );
    void context.with(trace.setSpan(parent, span), async () => {
      let reply: Reply;
      try {
        reply = route ? await route.handle(params!, await readJson(req)) : { status: 404, body: { error: 'no such route' } };
      } catch (err) {
        reply = { status: 500, body: { error: String(err) } };
      }
      span.setAttribute('http.response.status_code', reply.status);
      if (reply.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
      span.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** GET `url` as a CLIENT span of `svc`, propagating the trace context. */
export async function tracedGet(svc: ServiceTelemetry, url: string, peerService: string): Promise<Reply> {
  const u = new URL(url);
  const span = svc.tracer.startSpan('GET', {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': 'GET',
      'url.full': url,
      'server.address': u.hostname,
      'server.port': Number(u.port),
      'peer.service': peerService,
    },
  });
  const headers = injectContext(trace.setSpan(context.active(), span), {});
  try {
    const res = await fetch(url, { headers });
    span.setAttribute('http.response.status_code', res.status);
    if (res.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
    return { status: res.status, body: await res.json() };
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
    throw err;
  } finally {
    span.end();
  }
}
