'use client';
// The alerts page's interactive part: the rules with their state (refreshed every few seconds),
// the create/edit form and the firing/resolved history. Writes go through /api/alerts.
import { useCallback, useEffect, useState } from 'react';
import type { AlertsResult, RuleView } from '@/lib/api/alerts';
import { formatDateTime } from '@/lib/ui/format';
import { AlertRuleForm } from './AlertRuleForm';
import { AlertStateBadge } from './AlertStateBadge';

const REFRESH_MS = 5_000;

export function AlertsManager({ initial }: { initial: AlertsResult }) {
  const [data, setData] = useState(initial);
  const [editing, setEditing] = useState<RuleView | null>(null);
  const [formOpen, setFormOpen] = useState(initial.rules.length === 0);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    const res = await fetch('/api/alerts', { cache: 'no-store' });
    if (res.ok) setData((await res.json()) as AlertsResult);
  }, []);
  useEffect(() => {
    const id = setInterval(() => {
      if (document.visibilityState === 'visible') void reload().catch(() => undefined);
    }, REFRESH_MS);
    return () => clearInterval(id);
  }, [reload]);

  const remove = async (r: RuleView) => {
    if (!window.confirm(`Delete the rule “${r.name}”? Nothing is sent for it any more.`)) return;
    const res = await fetch(`/api/alerts/${r.id}`, { method: 'DELETE' });
    if (!res.ok) setError(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${res.status}`);
    if (editing?.id === r.id) setEditing(null);
    await reload();
  };

  return (
    <>
      {error ? (
        <div className="notice-error" role="alert">
          {error}
        </div>
      ) : null}
      <section className="panel" data-testid="alert-rules">
        <div className="panel-title">
          <h2 style={{ margin: 0, fontSize: 15 }}>Rules</h2>
          <span className="help">
            {data.firing ? <b style={{ color: '#b91c1c' }}>{data.firing} firing</b> : 'nothing firing'} · refreshed every {REFRESH_MS / 1000} s
          </span>
        </div>
        {data.rules.length === 0 ? (
          <p className="help">No rules yet. Create one below: for example “consumer group status is STOP” on every consumer group.</p>
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th>State</th>
                <th>Rule</th>
                <th>Watches</th>
                <th title="the instances the rule found, most severe first">Instances now</th>
                <th>Webhook</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.rules.map((r) => (
                <RuleRow key={r.id} rule={r} failed={data.events.find((e) => e.ruleId === r.id)?.event === 'undelivered'} onEdit={() => (setEditing(r), setFormOpen(true))} onDelete={() => void remove(r)} />
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="panel" data-testid="alert-form-panel">
        <div className="panel-title">
          <h2 style={{ margin: 0, fontSize: 15 }}>{editing ? `Edit “${editing.name}”` : 'New rule'}</h2>
          {!formOpen ? (
            <button type="button" className="btn" onClick={() => setFormOpen(true)} data-testid="alert-new">
              New rule
            </button>
          ) : null}
        </div>
        {formOpen ? (
          <AlertRuleForm
            key={editing?.id ?? 'new'}
            editing={editing}
            onSaved={async () => {
              setEditing(null);
              setFormOpen(false);
              setError(null);
              await reload();
            }}
            onCancel={() => (setEditing(null), setFormOpen(false))}
          />
        ) : null}
      </section>

      <section className="panel" data-testid="alert-history">
        <div className="panel-title">
          <h2 style={{ margin: 0, fontSize: 15 }}>History</h2>
          <span className="help">firing and resolved messages of the last 7 days, newest first</span>
        </div>
        {data.events.length === 0 ? (
          <p className="help">Nothing has fired yet.</p>
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th>When</th>
                <th>Event</th>
                <th>Rule</th>
                <th>Instance</th>
                <th>Value</th>
              </tr>
            </thead>
            <tbody>
              {data.events.map((e, i) => (
                <tr key={`${e.at}-${e.ruleId}-${e.instance}-${i}`} data-testid="alert-event" data-event={e.event}>
                  <td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(e.at)}</td>
                  <td>
                    <AlertStateBadge state={e.event === 'firing' ? 'firing' : e.event === 'resolved' ? 'ok' : 'undelivered'} label={e.event === 'undelivered' ? 'webhook failed' : e.event} />
                  </td>
                  <td>{e.ruleName}</td>
                  <td>{e.label}</td>
                  <td>{e.valueText}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

function RuleRow({ rule, failed, onEdit, onDelete }: { rule: RuleView; failed: boolean; onEdit: () => void; onDelete: () => void }) {
  const shown = rule.instances.filter((i) => i.state !== 'ok').slice(0, 5);
  const okCount = rule.instances.filter((i) => i.state === 'ok').length;
  return (
    <tr data-testid="alert-rule" data-rule-id={rule.id} data-state={rule.state}>
      <td>
        <AlertStateBadge state={rule.enabled ? rule.state : 'disabled'} />
        {rule.since && rule.state !== 'ok' ? <div className="help">since {formatDateTime(rule.since)}</div> : null}
      </td>
      <td>
        <b>{rule.name}</b>
        <div className="help">{rule.condition}</div>
      </td>
      <td>{scopeText(rule)}</td>
      <td>
        {rule.instances.length === 0 ? <span className="help">not evaluated yet, or nothing in scope</span> : null}
        {shown.map((i) => (
          <div key={i.label} data-testid="alert-instance" data-state={i.state}>
            <AlertStateBadge state={i.state} small /> {i.label} — <span className="help">{i.valueText}</span>
          </div>
        ))}
        {okCount ? <div className="help">{okCount} ok{shown.length === 0 && rule.instances[0] ? ` (e.g. ${rule.instances[0].label}: ${rule.instances[0].valueText})` : ''}</div> : null}
      </td>
      <td className="help" style={{ maxWidth: 220, overflowWrap: 'anywhere' }}>
        {rule.webhook.format === 'slack' ? 'Slack · ' : 'JSON · '}
        {hostOf(rule.webhook.url)}
        {failed ? (
          <div style={{ color: '#b91c1c' }} data-testid="alert-webhook-failed">
            the last message could not be delivered (see History)
          </div>
        ) : null}
      </td>
      <td style={{ whiteSpace: 'nowrap' }}>
        <button type="button" className="btn secondary" onClick={onEdit} data-testid="alert-edit">
          Edit
        </button>{' '}
        <button type="button" className="btn secondary" onClick={onDelete} data-testid="alert-delete">
          Delete
        </button>
      </td>
    </tr>
  );
}

function scopeText(r: RuleView): string {
  const s = r.scope;
  if (r.subject === 'service') return s.service ? `service ${s.service}` : 'every service';
  if (r.subject === 'destination') return s.destination ? `destination ${s.destination}` : 'every destination';
  const dest = s.destination ? `on ${s.destination}` : 'on every destination';
  return s.consumerGroup ? `group ${s.consumerGroup} ${dest}` : `every consumer group ${dest}`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
