// Named bearer tokens (EVENTSCOPE_INGEST_TOKENS, EVENTSCOPE_API_TOKENS): which one a request
// presents, compared in constant time. Shared by the collector and the dashboard/API.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NamedToken } from '../config/index.js';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * The token `presented` matches, or undefined. Both sides are hashed to SHA-256 first, so the
 * comparison has a fixed length (timingSafeEqual needs equal lengths, and comparing lengths would
 * leak them); every configured token is compared, so the time does not say which one matched.
 */
export function matchToken(tokens: readonly NamedToken[], presented: string): NamedToken | undefined {
  if (tokens.length === 0 || presented === '') return undefined;
  const p = digest(presented);
  let found: NamedToken | undefined;
  for (const t of tokens) {
    if (timingSafeEqual(digest(t.token), p) && !found) found = t;
  }
  return found;
}

/**
 * The token of an `Authorization: Bearer <token>` header value (the scheme is case-insensitive,
 * RFC 6750), or undefined when the header is absent or uses another scheme.
 */
export function bearerToken(headerValue: string | string[] | undefined | null): string | undefined {
  const v = Array.isArray(headerValue) ? headerValue[0] : headerValue;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*Bearer[ \t]+(\S+)\s*$/i.exec(v);
  return m ? m[1] : undefined;
}
