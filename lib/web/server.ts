// The dashboard's HTTP(S) server: one node server in front of Next.js's request handler, so every
// request passes the same gate before Next sees it — security headers (with the CSP nonce Next
// puts on its scripts), authentication (login, API tokens, trusted auth proxy), the login/logout
// pages, /metrics, and the API's latency metric. Also the optional metrics-only listener.
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/index.js';
import { matchRoute } from '../api/routes.js';
import { metrics, renderMetrics } from '../metrics.js';
import { sessionCodec, sessionSecret, type SessionCodec } from '../auth/session.js';
import { authenticate, dashboardAuthEnabled, surfaceOf, type Principal, type Surface } from './access.js';
import { contentSecurityPolicy, newNonce, securityHeaders } from './headers.js';
import { DEFAULT_LOGIN_LIMITS, handleLogin, handleLogout, LoginLimiter, type LoginContext, type LoginLimits } from './login.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** Request headers the gate sets for the app (components/nav reads them); never taken from the client. */
export const USER_HEADER = 'x-eventscope-user';
export const AUTH_VIA_HEADER = 'x-eventscope-auth';

export interface DashboardServerOptions {
  config: Config;
  /** Next.js's request handler (a stand-in in tests that need no build) */
  handle: RequestHandler;
  dev?: boolean;
  /** override the login attempt limits (tests shorten the delay) */
  loginLimits?: Partial<LoginLimits>;
  now?: () => number;
  /** a listening port other than config.uiPort */
  port?: number;
}

export interface WebServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** `http(s)://host:port` with IPv6 hosts in brackets. */
export function serverUrl(tls: boolean, host: string, port: number): string {
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function createServer(config: Config, listener: http.RequestListener): http.Server {
  if (!config.tls) return http.createServer(listener);
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} ${file} (EVENTSCOPE_TLS_${what === 'certificate' ? 'CERT' : 'KEY'}_FILE): ${(err as Error).message}`);
    }
  };
  return https.createServer({ cert: read(config.tls.certFile, 'certificate'), key: read(config.tls.keyFile, 'key') }, listener);
}

async function listen(server: http.Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

function closer(server: http.Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

async function sendMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'GET /metrics' }, { Allow: 'GET' });
  const { contentType, body } = await renderMetrics();
  res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The route label for the API latency metric: the route table's pattern, never the raw path. */
function apiRouteLabel(pathname: string): string {
  try {
    return matchRoute(pathname)?.route.path ?? 'unmatched';
  } catch {
    return 'unmatched'; // a malformed percent-escape in a path parameter
  }
}

const FAILURE_SURFACE: Record<Surface, string> = { api: 'api', metrics: 'api', page: 'page', login: 'login', logout: 'page', public: 'page' };

/** The gate itself, as a request listener (exported for tests that serve it on a plain server). */
export function dashboardListener(opts: DashboardServerOptions): http.RequestListener {
  const { config, handle } = opts;
  const now = opts.now ?? Date.now;
  const auth = config.auth;
  const enabled = dashboardAuthEnabled(auth);
  const sessions: SessionCodec | undefined = auth.dashboardPassword
    ? sessionCodec(sessionSecret(auth.sessionSecret, config.dataDir), auth.sessionMs, auth.dashboardPassword)
    : undefined;
  const login: LoginContext = {
    config,
    sessions,
    limiter: new LoginLimiter({ ...DEFAULT_LOGIN_LIMITS, ...opts.loginLimits }),
    secure: !!config.tls,
    now,
  };

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const nonce = newNonce();
    for (const [name, value] of Object.entries(securityHeaders(nonce, opts.dev))) res.setHeader(name, value);
    res.removeHeader('X-Powered-By');
    const rawTarget = req.url ?? '/';
    let url: URL;
    try {
      url = new URL(rawTarget, 'http://eventscope.local');
    } catch {
      return sendJson(res, 400, { error: 'malformed request target' });
    }
    const surface = surfaceOf(rawTarget.split('?')[0]!, url.pathname);

    if (surface === 'api') {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics().apiDuration.observe({ route: apiRouteLabel(url.pathname), status: String(res.statusCode) }, seconds);
      });
    }
    // who the request is from is the gate's to say, never the client's
    delete req.headers[USER_HEADER];
    delete req.headers[AUTH_VIA_HEADER];
    // Next.js takes the nonce for its inline scripts from the request's policy header
    req.headers['content-security-policy'] = contentSecurityPolicy(nonce, opts.dev);

    if (surface === 'login') return handleLogin(req, res, url, login);
    if (surface === 'logout') return handleLogout(req, res, login);

    let principal: Principal = { user: '', via: 'open' };
    if (surface !== 'public') {
      const access = authenticate(req, surface, auth, sessions, now());
      if (!access.ok) {
        metrics().authFailures.inc({ surface: FAILURE_SURFACE[surface] });
        if (surface === 'api' || surface === 'metrics') {
          const error =
            access.reason === 'wrong_token'
              ? 'invalid API token'
              : 'authentication required: send Authorization: Bearer <API token> (EVENTSCOPE_API_TOKENS) or sign in at /login';
          return sendJson(res, 401, { error }, { 'WWW-Authenticate': 'Bearer realm="eventscope"' });
        }
        const back = `${url.pathname}${url.search}`;
        res.writeHead(303, { Location: `/login${back === '/' ? '' : `?next=${encodeURIComponent(back)}`}`, 'Cache-Control': 'no-store' });
        return res.end();
      }
      principal = access.principal;
    }
    if (enabled && principal.via !== 'open') {
      req.headers[USER_HEADER] = encodeURIComponent(principal.user);
      req.headers[AUTH_VIA_HEADER] = principal.via;
    }
    if (surface === 'metrics') return sendMetrics(req, res);
    return handle(req, res);
  };

  return (req, res) => {
    serve(req, res).catch((err) => {
      console.error('[dashboard] request failed:', err);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error; see the server log' });
      else res.destroy();
    });
  };
}

/** Serves the dashboard (and the API through it) on config.host:config.uiPort, over TLS when configured. */
export async function startDashboardServer(opts: DashboardServerOptions): Promise<WebServer> {
  const { config } = opts;
  const server = createServer(config, dashboardListener(opts));
  const port = await listen(server, opts.port ?? config.uiPort, config.host);
  return { url: serverUrl(!!config.tls, config.host, port), port, close: closer(server) };
}

/**
 * GET /metrics alone on config.metricsPort, without authentication — for a Prometheus scraper on a
 * private network; bind it (EVENTSCOPE_HOST) or firewall it accordingly. Undefined when not set.
 */
export async function startMetricsServer(config: Config): Promise<WebServer | undefined> {
  if (config.metricsPort === undefined) return undefined;
  const server = createServer(config, (req, res) => {
    for (const [name, value] of Object.entries(securityHeaders(newNonce()))) res.setHeader(name, value);
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname !== '/metrics') return sendJson(res, 404, { error: 'only /metrics is served on this port' });
    sendMetrics(req, res).catch((err) => {
      console.error('[metrics] failed:', err);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error; see the server log' });
    });
  });
  const port = await listen(server, config.metricsPort, config.host);
  return { url: `${serverUrl(!!config.tls, config.host, port)}/metrics`, port, close: closer(server) };
}
