// Signed session cookies for the dashboard login: `<payload>.<HMAC-SHA256>`, both base64url; the
// payload says who, until when, and a random id. No session table: a restart keeps everyone logged
// in (the secret persists), a changed password or secret logs everyone out (both key the HMAC). A
// logged-out session's id is remembered until it would have expired, so a copied cookie dies with
// the logout — in this process's memory only: a restart forgets those (documented).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const SESSION_COOKIE = 'eventscope_session';

export interface Session {
  user: string;
  /** expiry, epoch ms */
  expiresAt: number;
}

export interface SessionCodec {
  /** The cookie value for a new session of `user` starting at `nowMs`. */
  issue(user: string, nowMs: number): { value: string; session: Session };
  /** The session a cookie value carries, or undefined when forged, malformed, expired or revoked. */
  verify(value: string | undefined, nowMs: number): Session | undefined;
  /** Logs a session out: its cookie value stops verifying (no-op for an invalid value). */
  revoke(value: string | undefined, nowMs: number): void;
  /** How long a session lasts, ms. */
  readonly ttlMs: number;
}

/**
 * `secret` signs; `binding` (e.g. the dashboard password) is mixed into the key so sessions issued
 * before it changed stop verifying.
 */
export function sessionCodec(secret: string, ttlMs: number, binding = ''): SessionCodec {
  const key = createHmac('sha256', secret).update(`eventscope-session\0${createHash('sha256').update(binding).digest('hex')}`).digest();
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest();
  const revoked = new Map<string, number>(); // session id → its expiry
  const decode = (value: string | undefined, nowMs: number): (Session & { id: string }) | undefined => {
    if (!value || value.length > 4096) return undefined;
    const dot = value.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1), 'base64url');
    const expected = mac(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    const { u, e, i } = (parsed ?? {}) as { u?: unknown; e?: unknown; i?: unknown };
    if (typeof u !== 'string' || typeof i !== 'string' || typeof e !== 'number' || !Number.isFinite(e) || e <= nowMs) return undefined;
    return { user: u, expiresAt: e, id: i };
  };
  return {
    ttlMs,
    issue(user, nowMs) {
      const session = { user, expiresAt: nowMs + ttlMs };
      const payload = Buffer.from(JSON.stringify({ u: user, e: session.expiresAt, i: randomBytes(12).toString('base64url') })).toString('base64url');
      return { value: `${payload}.${mac(payload).toString('base64url')}`, session };
    },
    verify(value, nowMs) {
      const s = decode(value, nowMs);
      if (!s || revoked.has(s.id)) return undefined;
      return { user: s.user, expiresAt: s.expiresAt };
    },
    revoke(value, nowMs) {
      const s = decode(value, nowMs);
      if (!s) return;
      for (const [id, exp] of revoked) if (exp <= nowMs) revoked.delete(id);
      revoked.set(s.id, s.expiresAt);
    },
  };
}

/**
 * The signing secret: `configured` (EVENTSCOPE_SESSION_SECRET) when set, else a random one kept in
 * `<dataDir>/session-secret`, readable by the owner only (created on first use; made 0600 again if
 * someone widened it). Several dashboards behind one load balancer need the configured one.
 */
export function sessionSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'session-secret');
  try {
    fs.writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${file} holds no usable session secret (under 32 characters); delete it to have a new one made`);
  return secret;
}

/** Parses a Cookie header into name → value (first occurrence wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/** Set-Cookie for a session (`value`), or one that clears it (`value` undefined). */
export function sessionCookie(value: string | undefined, opts: { secure: boolean; maxAgeMs: number }): string {
  const attrs = [
    `${SESSION_COOKIE}=${value ?? ''}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax', // Lax, not Strict: a link to a trace from chat or a ticket must open it logged in
    value === undefined ? 'Max-Age=0' : `Max-Age=${Math.floor(opts.maxAgeMs / 1000)}`,
  ];
  if (opts.secure) attrs.push('Secure');
  return attrs.join('; ');
}
