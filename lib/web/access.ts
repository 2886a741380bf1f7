// Who may see the dashboard and call the API: which surface a request is for, and who it comes
// from (session cookie, API token, trusted auth proxy). No I/O; the server wrapper (server.ts) acts
// on the answer before Next.js sees the request.
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/index.js';
import { bearerToken, matchToken } from '../auth/tokens.js';
import { parseCookies, SESSION_COOKIE, type SessionCodec } from '../auth/session.js';

/**
 * public: content-hashed build assets and the icon (the login page needs them; they hold no data);
 * login/logout: served by the wrapper; api and metrics: 401 without credentials; page: everything
 * else — pages, their RSC/data requests (same paths, `RSC: 1`), server actions, Next's other
 * internal routes — redirected to the login page without credentials.
 */
export type Surface = 'public' | 'login' | 'logout' | 'api' | 'metrics' | 'page';

// Strict on purpose: only plain file paths under /_next/static/ are public — each segment, once
// percent-decoded (chunk paths of dynamic routes carry %5B…%5D), a plain file-name word, never `.`
// or `..`; anything else falls through to a surface that needs credentials, so a path the framework
// might resolve differently fails closed.
const ASSET_SEGMENT = /^[A-Za-z0-9_~@()[\]+,=.-]+$/;
const PUBLIC_FILES = new Set(['/icon.svg', '/favicon.ico']);

function isPublicAsset(rawPath: string): boolean {
  if (PUBLIC_FILES.has(rawPath)) return true;
  if (!rawPath.startsWith('/_next/static/')) return false;
  return rawPath
    .slice('/_next/static/'.length)
    .split('/')
    .every((seg) => {
      let d: string;
      try {
        d = decodeURIComponent(seg);
      } catch {
        return false;
      }
      return d !== '.' && d !== '..' && ASSET_SEGMENT.test(d);
    });
}

/** `rawPath`: the request target's path as sent (before `?`); `pathname`: its normalized form. */
export function surfaceOf(rawPath: string, pathname: string): Surface {
  if (isPublicAsset(rawPath)) return 'public';
  if (pathname === '/login') return 'login';
  if (pathname === '/logout') return 'logout';
  if (pathname === '/metrics') return 'metrics';
  if (pathname === '/api' || pathname.startsWith('/api/')) return 'api';
  return 'page';
}

export interface Principal {
  /** shown in the header for proxy users; the token name for API tokens */
  user: string;
  via: 'open' | 'session' | 'token' | 'proxy';
}

export type AccessResult = { ok: true; principal: Principal } | { ok: false; reason: 'missing' | 'wrong_token' };

/** Is any dashboard/API authentication configured? Without, everything is open, as before issue 10. */
export function dashboardAuthEnabled(auth: Config['auth']): boolean {
  return !!auth.dashboardPassword || auth.apiTokens.length > 0 || !!auth.proxy;
}

const unmapped = (ip: string) => (ip.startsWith('::ffff:') ? ip.slice(7) : ip);

export function isTrustedAddress(remote: string | undefined, trusted: readonly string[]): boolean {
  if (!remote) return false;
  const r = unmapped(remote);
  return trusted.some((t) => unmapped(t) === r);
}

/** A proxy user header value we accept: a non-empty, printable name of at most 256 characters. */
const PROXY_USER = /^[^\u0000-\u001f\u007f]{1,256}$/;

export function authenticate(
  req: IncomingMessage,
  surface: Surface,
  auth: Config['auth'],
  sessions: SessionCodec | undefined,
  nowMs: number,
): AccessResult {
  if (!dashboardAuthEnabled(auth)) return { ok: true, principal: { user: '', via: 'open' } };
  if (auth.proxy) {
    const raw = req.headers[auth.proxy.header];
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    // The header means something only from the proxy itself; anyone else could type it.
    if (value && PROXY_USER.test(value) && isTrustedAddress(req.socket.remoteAddress, auth.proxy.trustedIps)) {
      return { ok: true, principal: { user: value, via: 'proxy' } };
    }
  }
  const api = surface === 'api' || surface === 'metrics';
  if (api && req.headers.authorization !== undefined) {
    // a script that sends a token means it: a wrong one is an error, not a fall-back to the cookie
    const token = matchToken(auth.apiTokens, bearerToken(req.headers.authorization) ?? '');
    return token ? { ok: true, principal: { user: token.name, via: 'token' } } : { ok: false, reason: 'wrong_token' };
  }
  const session = sessions?.verify(parseCookies(req.headers.cookie).get(SESSION_COOKIE), nowMs);
  if (session) return { ok: true, principal: { user: session.user, via: 'session' } };
  return { ok: false, reason: 'missing' };
}

/**
 * Where to go after logging in: a same-site path (with its query) or `/`. Anything that could leave
 * the site (`//host`, `/\host`, a scheme, control characters) or loop back to the login becomes `/`.
 */
export function safeNextPath(raw: string | null | undefined): string {
  if (!raw || raw.length > 2048 || !raw.startsWith('/') || raw.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(raw)) return '/';
  let u: URL;
  try {
    u = new URL(raw, 'http://eventscope.invalid');
  } catch {
    return '/';
  }
  if (u.origin !== 'http://eventscope.invalid' || u.pathname === '/login' || u.pathname === '/logout') return '/';
  u.searchParams.delete('_rsc'); // an RSC fetch's cache buster: the page itself is what the user wanted
  return `${u.pathname}${u.search}`;
}
