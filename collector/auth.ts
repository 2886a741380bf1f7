// Ingest tokens (EVENTSCOPE_INGEST_TOKENS): who may write spans. Both receivers ask this before
// they read a byte of the body; every answer is counted per token name (lib/metrics.ts).
import type { NamedToken } from '../lib/config/index.js';
import { bearerToken, matchToken } from '../lib/auth/tokens.js';
import { metrics } from '../lib/metrics.js';

export type Transport = 'http' | 'grpc';

/** The token label when ingest is open (no tokens configured) or the sender is unknown. */
export const OPEN_TOKEN = '-';

export type AuthResult = { ok: true; token: string } | { ok: false; message: string };

export interface IngestAuth {
  /** true when tokens are configured: every request must present one */
  readonly required: boolean;
  /**
   * Checks an `authorization` header / metadata value. Allowed: the token's name (OPEN_TOKEN when
   * ingest is open). Refused: the reason, already counted as an auth failure.
   */
  check(authorization: string | string[] | undefined, transport: Transport): AuthResult;
}

export function createIngestAuth(tokens: readonly NamedToken[]): IngestAuth {
  const required = tokens.length > 0;
  return {
    required,
    check(authorization, transport) {
      if (!required) return { ok: true, token: OPEN_TOKEN };
      const presented = bearerToken(authorization);
      const match = presented === undefined ? undefined : matchToken(tokens, presented);
      if (match) return { ok: true, token: match.name };
      const m = metrics();
      m.authFailures.inc({ surface: transport === 'http' ? 'otlp_http' : 'otlp_grpc' });
      m.spansRefused.inc({ reason: 'auth', transport });
      m.ingestRequests.inc({ token: OPEN_TOKEN, transport, outcome: 'unauthenticated' });
      return {
        ok: false,
        message:
          presented === undefined
            ? 'this collector requires an ingest token: send "Authorization: Bearer <token>" (OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <token>")'
            : 'the ingest token is not valid',
      };
    },
  };
}
