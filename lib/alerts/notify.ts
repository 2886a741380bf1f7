// Alert notifications: the webhook payload (JSON, or Slack-compatible {text, blocks}) built as a
// pure function, and its delivery with a timeout and retries with backoff, counted in
// eventscope_alert_notifications_total. Delivery never blocks the evaluator: it runs on its own.
import { metrics } from '../metrics.js';
import { describeCondition, KIND_LABEL, type AlertRule } from './rules.js';
import { instanceLabel, type Instance, type Transition } from './state.js';

export interface Notification {
  rule: AlertRule;
  instance: Instance;
  transition: Transition;
  value: number | null;
  valueText: string;
  /** when the instance started firing (for resolved: when it had started firing) */
  sinceMs: number;
  atMs: number;
}

/** The dashboard view that shows an instance: the lag page for a group, the flow map otherwise. */
export function dashboardLink(baseUrl: string, rule: AlertRule, i: Instance): string {
  const base = baseUrl.replace(/\/+$/, '');
  const q = new URLSearchParams();
  if (rule.kind === 'duplicate_rate') {
    q.set('type', 'duplicate');
    if (i.destination !== undefined) q.set('destination', i.destination);
    if (i.consumerGroup !== undefined) q.set('group', i.consumerGroup);
    return `${base}/anomalies?${q}`;
  }
  if (i.consumerGroup !== undefined) {
    if (i.destination !== undefined) q.set('destination', i.destination);
    q.set('group', i.consumerGroup);
    return `${base}/lag?${q}`;
  }
  return `${base}/alerts`;
}

export interface JsonPayload {
  status: Transition;
  summary: string;
  rule: { id: string; name: string; kind: string; condition: string; threshold: number | null; comparison: string | null; statuses: string[] | null };
  instance: Instance & { label: string };
  value: number | null;
  valueText: string;
  threshold: number | null;
  since: string;
  at: string;
  url: string;
}

export function payload(n: Notification, baseUrl: string): JsonPayload {
  const { rule } = n;
  const label = instanceLabel(n.instance);
  const url = dashboardLink(baseUrl, rule, n.instance);
  const condition = describeCondition(rule);
  const summary =
    n.transition === 'firing'
      ? `[FIRING] ${rule.name}: ${label} — ${condition} (now ${n.valueText})`
      : `[RESOLVED] ${rule.name}: ${label} — back to normal (now ${n.valueText}), had been firing since ${new Date(n.sinceMs).toISOString()}`;
  return {
    status: n.transition,
    summary,
    rule: {
      id: rule.id,
      name: rule.name,
      kind: rule.kind,
      condition,
      threshold: rule.threshold ?? null,
      comparison: rule.comparison ?? null,
      statuses: rule.statuses ?? null,
    },
    instance: { ...n.instance, label },
    value: n.value,
    valueText: n.valueText,
    threshold: rule.threshold ?? null,
    since: new Date(n.sinceMs).toISOString(),
    at: new Date(n.atMs).toISOString(),
    url,
  };
}

/** Slack's incoming-webhook shape (also read by Mattermost, Rocket.Chat, Teams' Slack connector). */
export function slackPayload(n: Notification, baseUrl: string): { text: string; blocks: unknown[] } {
  const p = payload(n, baseUrl);
  const head = n.transition === 'firing' ? ':red_circle: *FIRING*' : ':large_green_circle: *RESOLVED*';
  return {
    text: p.summary,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${head} ${escapeSlack(n.rule.name)}\n*${escapeSlack(p.instance.label)}* — ${escapeSlack(p.rule.condition)}` } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Value*\n${escapeSlack(p.valueText)}` },
          { type: 'mrkdwn', text: `*${n.transition === 'firing' ? 'Firing since' : 'Had been firing since'}*\n${p.since}` },
          { type: 'mrkdwn', text: `*Kind*\n${KIND_LABEL[n.rule.kind]}` },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${p.url}|Open in Eventscope>` }] },
    ],
  };
}

/** Slack mrkdwn control characters: & < > */
const escapeSlack = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface DeliveryOptions {
  /** per attempt (default 5 s) */
  timeoutMs?: number;
  /** attempts in all (default 4) */
  attempts?: number;
  /** first backoff; doubled after each failed attempt (default 1 s) */
  backoffMs?: number;
  log?: (msg: string) => void;
}

export type DeliveryOutcome = { ok: true; attempts: number; status: number } | { ok: false; attempts: number; error: string };

/**
 * POSTs the payload to the rule's webhook: each attempt bounded by a timeout, retried with
 * exponential backoff on a network error, a timeout, a 429 or a 5xx; a 4xx other than 429 is the
 * receiver's final word and is not retried.
 */
export async function deliver(n: Notification, baseUrl: string, opts: DeliveryOptions = {}): Promise<DeliveryOutcome> {
  const attempts = opts.attempts ?? 4;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  let backoff = opts.backoffMs ?? 1_000;
  const body = JSON.stringify(n.rule.webhook.format === 'slack' ? slackPayload(n, baseUrl) : payload(n, baseUrl));
  const m = metrics();
  let error = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let retryable = true;
    try {
      const res = await fetch(n.rule.webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'eventscope-alerts' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        m.alertNotifications.inc({ outcome: 'sent' });
        return { ok: true, attempts: attempt, status: res.status };
      }
      error = `HTTP ${res.status}`;
      retryable = res.status === 429 || res.status >= 500;
    } catch (err) {
      error = (err as Error)?.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : String((err as Error)?.message ?? err);
    }
    if (!retryable || attempt === attempts) break;
    m.alertNotifications.inc({ outcome: 'retried' });
    await new Promise((r) => setTimeout(r, backoff));
    backoff *= 2;
  }
  m.alertNotifications.inc({ outcome: 'failed' });
  opts.log?.(`[alerts] ${n.transition} notification of "${n.rule.name}" (${instanceLabel(n.instance)}) to ${new URL(n.rule.webhook.url).host} failed: ${error}`);
  return { ok: false, attempts, error };
}
