// The dashboard's own login and logout (EVENTSCOPE_DASHBOARD_PASSWORD): the form, the password check
// (constant time), failed attempts slowed down and, past a limit per address, refused for a while.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/index.js';
import { metrics } from '../metrics.js';
import { parseCookies, SESSION_COOKIE, sessionCookie, type SessionCodec } from '../auth/session.js';
import { safeNextPath } from './access.js';
import { loginPage } from './login-page.js';

export interface LoginLimits {
  /** how long a wrong password's answer is held back (slows guessing one at a time) */
  failureDelayMs: number;
  /** wrong passwords from one address within `windowMs` before its attempts are refused */
  maxFailures: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { failureDelayMs: 1_000, maxFailures: 10, windowMs: 15 * 60_000 };

const MAX_TRACKED_ADDRESSES = 10_000;

/** Failed logins per remote address in a sliding window. */
export class LoginLimiter {
  private failures = new Map<string, number[]>();
  constructor(readonly limits: LoginLimits) {}

  private recent(ip: string, nowMs: number): number[] {
    const kept = (this.failures.get(ip) ?? []).filter((t) => t > nowMs - this.limits.windowMs);
    if (kept.length) this.failures.set(ip, kept);
    else this.failures.delete(ip);
    return kept;
  }

  /** ms until `ip` may try again, 0 when it may now. */
  retryAfterMs(ip: string, nowMs: number): number {
    const recent = this.recent(ip, nowMs);
    if (recent.length < this.limits.maxFailures) return 0;
    return recent[recent.length - this.limits.maxFailures]! + this.limits.windowMs - nowMs;
  }

  fail(ip: string, nowMs: number): void {
    if (!this.failures.has(ip) && this.failures.size >= MAX_TRACKED_ADDRESSES) {
      for (const key of this.failures.keys()) this.recent(key, nowMs); // drop the expired
      if (this.failures.size >= MAX_TRACKED_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
    }
    this.failures.set(ip, [...this.recent(ip, nowMs), nowMs]);
  }

  succeed(ip: string): void {
    this.failures.delete(ip);
  }
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function passwordMatches(configured: string, presented: string): boolean {
  return timingSafeEqual(digest(configured), digest(presented));
}

export interface LoginContext {
  config: Config;
  sessions: SessionCodec | undefined;
  limiter: LoginLimiter;
  secure: boolean;
  now: () => number;
}

const MAX_FORM_BYTES = 8 * 1024;

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendPage(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(html);
}

function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(303, { Location: location, 'Cache-Control': 'no-store', ...headers });
  res.end();
}

/** A browser says where a form post comes from; one from another site is refused (login CSRF). */
function crossSite(req: IncomingMessage): boolean {
  return req.headers['sec-fetch-site'] === 'cross-site';
}

const remote = (req: IncomingMessage) => req.socket.remoteAddress ?? '?';

export async function handleLogin(req: IncomingMessage, res: ServerResponse, url: URL, ctx: LoginContext): Promise<void> {
  const auth = ctx.config.auth;
  const page = (next: string, extra: { error?: string; notice?: string } = {}) =>
    loginPage({ next, passwordLogin: !!auth.dashboardPassword, proxyLogin: !!auth.proxy, apiTokens: auth.apiTokens.length > 0, ...extra });

  if (req.method === 'GET' || req.method === 'HEAD') {
    const next = safeNextPath(url.searchParams.get('next'));
    const cookie = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    if (cookie && ctx.sessions?.verify(cookie, ctx.now())) return redirect(res, next);
    return sendPage(res, 200, page(next, cookie ? { notice: 'Your session has ended; sign in again.' } : {}));
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { Allow: 'GET, POST' }).end();
    return;
  }
  const form = crossSite(req) ? undefined : await readForm(req);
  if (!form) return sendPage(res, 400, page('/', { error: 'The sign-in form was not sent as expected; reload the page and try again.' }));
  const next = safeNextPath(form.get('next'));
  if (!auth.dashboardPassword || !ctx.sessions) return sendPage(res, 404, page(next));

  const ip = remote(req);
  const wait = ctx.limiter.retryAfterMs(ip, ctx.now());
  if (wait > 0) {
    metrics().authFailures.inc({ surface: 'login' });
    const minutes = Math.ceil(wait / 60_000);
    return sendPage(res, 429, page(next, { error: `Too many wrong passwords from your address. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` }), {
      'Retry-After': String(Math.ceil(wait / 1000)),
    });
  }
  if (!passwordMatches(auth.dashboardPassword, form.get('password') ?? '')) {
    metrics().authFailures.inc({ surface: 'login' });
    ctx.limiter.fail(ip, ctx.now());
    await new Promise((r) => setTimeout(r, ctx.limiter.limits.failureDelayMs));
    return sendPage(res, 401, page(next, { error: 'Wrong password. Try again.' }));
  }
  ctx.limiter.succeed(ip);
  const { value } = ctx.sessions.issue('dashboard', ctx.now());
  redirect(res, next, { 'Set-Cookie': sessionCookie(value, { secure: ctx.secure, maxAgeMs: ctx.sessions.ttlMs }) });
}

export function handleLogout(req: IncomingMessage, res: ServerResponse, ctx: LoginContext): void {
  if (req.method !== 'POST') {
    res.writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain; charset=utf-8' }).end('Log out with the button in the dashboard header (POST /logout).\n');
    return;
  }
  if (crossSite(req)) {
    res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Cross-site logout refused.\n');
    return;
  }
  ctx.sessions?.revoke(parseCookies(req.headers.cookie).get(SESSION_COOKIE), ctx.now());
  redirect(res, '/login', { 'Set-Cookie': sessionCookie(undefined, { secure: ctx.secure, maxAgeMs: 0 }) });
}
