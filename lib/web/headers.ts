// Security headers for every dashboard and API response, and the Content-Security-Policy the
// dashboard works under.
import { randomBytes } from 'node:crypto';

export const newNonce = (): string => randomBytes(16).toString('base64');

/**
 * Scripts: only ours — the bundles from 'self' and the inline hydration scripts Next.js writes into
 * every App Router page, which carry this request's nonce (Next reads it from the request's
 * Content-Security-Policy header, so the wrapper sets the policy on the request as well);
 * 'strict-dynamic' lets those scripts load the chunks they need. No 'unsafe-inline' for scripts.
 * Styles: 'unsafe-inline', because React renders `style="…"` attributes (the flow map and the
 * timeline position everything that way) and nonces cannot cover attributes; injected CSS cannot
 * run code. Dev mode (`npm run dev`) adds what React's dev build and hot reload need: eval and the
 * HMR websocket.
 */
export function contentSecurityPolicy(nonce: string, dev = false): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? ' ws: wss:' : ''}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The headers every response gets (the CSP included). */
export function securityHeaders(nonce: string, dev = false): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(nonce, dev),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY', // frame-ancestors for browsers that predate it
    'Referrer-Policy': 'same-origin', // trace and message ids in our URLs stay ours
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  };
}
