// The start-up warning for an Eventscope reachable beyond this machine with its doors open.
import type { Config } from '../config/index.js';

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h) || /^::ffff:127(?:\.\d{1,3}){3}$/.test(h);
}

/**
 * A warning naming the variables to set when config.host is not a loopback address and a surface
 * anyone on the network can reach needs no credentials; undefined when there is nothing to warn
 * about. `dashboard`: whether this process serves the dashboard and API.
 */
export function exposureWarning(config: Config, dashboard: boolean): string | undefined {
  if (isLoopbackHost(config.host)) return undefined;
  const a = config.auth;
  const ingestOpen = a.ingestTokens.length === 0;
  const dashboardOpen = dashboard && !a.dashboardPassword && a.apiTokens.length === 0 && !a.proxy;
  if (!ingestOpen && !dashboardOpen) return undefined;
  const open: string[] = [];
  const fix: string[] = [];
  if (ingestOpen) {
    open.push('send spans (OTLP)');
    fix.push('EVENTSCOPE_INGEST_TOKENS=name:token,… (senders pass Authorization: Bearer <token>)');
  }
  if (dashboardOpen) {
    open.push('read every trace (dashboard and API)');
    fix.push('EVENTSCOPE_DASHBOARD_PASSWORD (a login page), EVENTSCOPE_API_TOKENS=name:token,… (scripts)');
  }
  if (!config.tls) fix.push('EVENTSCOPE_TLS_CERT_FILE and EVENTSCOPE_TLS_KEY_FILE (so tokens and passwords are not sent in clear text)');
  return [
    `WARNING: Eventscope listens on ${config.host}, beyond this machine, without authentication: anyone who can reach it can ${open.join(' and ')}.`,
    ...fix.map((f) => `  set ${f}`),
    '  or bind it to this machine only with EVENTSCOPE_HOST=127.0.0.1.',
  ].join('\n');
}
