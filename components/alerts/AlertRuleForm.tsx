'use client';
// Create or edit one alert rule; every field says what it means. The server validates (the same
// zod schema as the API) and its precise message is shown as is.
import { useState, type ReactNode } from 'react';
import type { RuleView } from '@/lib/api/alerts';
import { LAG_STATUSES } from '@/lib/domain';
import { STATUS_HELP } from '@/lib/ui/colors';
import { ALERT_KINDS, COMPARISONS, KIND_HELP, KIND_LABEL, KIND_SUBJECTS, KIND_UNIT, THRESHOLD_KINDS, WINDOWED_KINDS, formatSeconds, type AlertKind, type Subject } from '@/lib/alerts/rules';

const SUBJECT_LABEL: Record<Subject, string> = { consumerGroup: 'consumer groups', destination: 'destinations', service: 'services' };

export function AlertRuleForm({ editing, onSaved, onCancel }: { editing: RuleView | null; onSaved: () => void | Promise<void>; onCancel: () => void }) {
  const [name, setName] = useState(editing?.name ?? '');
  const [kind, setKind] = useState<AlertKind>(editing?.kind ?? 'consumer_status');
  const [subject, setSubject] = useState<Subject>(editing?.subject ?? 'consumerGroup');
  const [destination, setDestination] = useState(editing?.scope.destination ?? '');
  const [group, setGroup] = useState(editing?.scope.consumerGroup ?? '');
  const [service, setService] = useState(editing?.scope.service ?? '');
  const [statuses, setStatuses] = useState<string[]>(editing?.statuses ?? ['STOP', 'STALL']);
  const [comparison, setComparison] = useState(editing?.comparison ?? '>');
  const [threshold, setThreshold] = useState(editing?.threshold === undefined ? '' : String(editing.threshold));
  const [forText, setForText] = useState(editing ? formatSeconds(editing.forSeconds) : '2m');
  const [windowText, setWindowText] = useState(editing?.windowSeconds ? formatSeconds(editing.windowSeconds) : '5m');
  const [url, setUrl] = useState(editing?.webhook.url ?? '');
  const [format, setFormat] = useState(editing?.webhook.format ?? 'json');
  const [enabled, setEnabled] = useState(editing?.enabled ?? true);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const subjects = KIND_SUBJECTS[kind];
  const effectiveSubject = subjects.includes(subject) ? subject : subjects[0]!;
  const unit = KIND_UNIT[kind];

  const submit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    setSaving(true);
    setError(null);
    const scope: Record<string, string> = {};
    if (effectiveSubject === 'service') {
      if (service.trim()) scope.service = service.trim();
    } else {
      if (destination.trim()) scope.destination = destination.trim();
      if (effectiveSubject === 'consumerGroup' && group.trim()) scope.consumerGroup = group.trim();
    }
    const body = {
      name,
      kind,
      subject: effectiveSubject,
      scope,
      ...(kind === 'consumer_status' ? { statuses } : {}),
      ...(THRESHOLD_KINDS.includes(kind) ? { comparison, threshold: threshold.trim() === '' ? undefined : Number(threshold) } : {}),
      ...(WINDOWED_KINDS.includes(kind) ? { window: windowText } : {}),
      for: forText.trim() === '' ? 0 : forText,
      webhook: { url, format },
      enabled,
    };
    try {
      const res = await fetch(editing ? `/api/alerts/${editing.id}` : '/api/alerts', {
        method: editing ? 'PUT' : 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) {
        const e = ((await res.json().catch(() => ({}))) as { error?: string }).error;
        setError(e ?? `HTTP ${res.status}`);
        return;
      }
      await onSaved();
    } catch (err) {
      setError(String(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form onSubmit={submit} data-testid="alert-form" style={{ display: 'grid', gap: 12, maxWidth: 760 }}>
      <Field label="Name" help="what the notification is titled, e.g. “billing stopped consuming”">
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} style={input} />
      </Field>
      <Field label="Kind" help={KIND_HELP[kind]}>
        <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as AlertKind)} style={input}>
          {ALERT_KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_LABEL[k]}
            </option>
          ))}
        </select>
      </Field>
      {subjects.length > 1 ? (
        <Field label="Watch" help="the rule is evaluated for each of these separately (each one fires and resolves on its own)">
          <select name="subject" value={effectiveSubject} onChange={(e) => setSubject(e.target.value as Subject)} style={input}>
            {subjects.map((s) => (
              <option key={s} value={s}>
                {SUBJECT_LABEL[s]}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      {effectiveSubject === 'service' ? (
        <Field label="Service" help="service.name of the spans; leave empty to watch every service">
          <input name="service" value={service} onChange={(e) => setService(e.target.value)} placeholder="every service" style={input} />
        </Field>
      ) : (
        <div style={{ display: 'grid', gridTemplateColumns: effectiveSubject === 'consumerGroup' ? '1fr 1fr' : '1fr', gap: 12 }}>
          <Field label="Destination" help="topic, queue or exchange; leave empty for every one">
            <input name="destination" value={destination} onChange={(e) => setDestination(e.target.value)} placeholder="every destination" style={input} />
          </Field>
          {effectiveSubject === 'consumerGroup' ? (
            <Field label="Consumer group" help="as the lag page names it; leave empty for every group">
              <input name="consumerGroup" value={group} onChange={(e) => setGroup(e.target.value)} placeholder="every consumer group" style={input} />
            </Field>
          ) : null}
        </div>
      )}
      {kind === 'consumer_status' ? (
        <Field group label="Fire on status" help="the Burrow-style statuses of the lag page that count as a problem">
          <div style={{ display: 'flex', flexWrap: 'wrap', gap: 14 }}>
            {LAG_STATUSES.filter((s) => s !== 'OK').map((s) => (
              <label key={s} title={STATUS_HELP[s]} style={{ display: 'inline-flex', gap: 4, alignItems: 'center' }}>
                <input
                  type="checkbox"
                  name={`status-${s}`}
                  checked={statuses.includes(s)}
                  onChange={(e) => setStatuses((prev) => (e.target.checked ? [...prev, s] : prev.filter((x) => x !== s)))}
                />
                <b>{s}</b> <span className="help">{STATUS_HELP[s]}</span>
              </label>
            ))}
          </div>
        </Field>
      ) : null}
      {THRESHOLD_KINDS.includes(kind) ? (
        <Field group label="Threshold" help={`fires when the ${KIND_LABEL[kind]} compares so with this number${unit ? ` (in ${unit === '%' ? 'percent' : unit === 's' ? 'seconds' : unit})` : ''}`}>
          <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
            <select name="comparison" value={comparison} onChange={(e) => setComparison(e.target.value as typeof comparison)} style={{ ...input, width: 70 }}>
              {COMPARISONS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
            <input name="threshold" type="number" min={0} step="any" value={threshold} onChange={(e) => setThreshold(e.target.value)} required style={{ ...input, width: 140 }} />
            <span className="help">{unit === 's' ? 'seconds' : unit}</span>
          </div>
        </Field>
      ) : null}
      {WINDOWED_KINDS.includes(kind) ? (
        <Field label="Measured over" help="the recent window the rate or the message count is computed over (at least 60s), e.g. 5m">
          <input name="window" value={windowText} onChange={(e) => setWindowText(e.target.value)} style={{ ...input, width: 140 }} />
        </Field>
      ) : null}
      <Field label="For" help="how long the condition must hold before the rule fires (0 = at once), e.g. 90s, 2m, 1h; until then it is pending">
        <input name="for" value={forText} onChange={(e) => setForText(e.target.value)} style={{ ...input, width: 140 }} />
      </Field>
      <div style={{ display: 'grid', gridTemplateColumns: '1fr auto', gap: 12 }}>
        <Field label="Webhook URL" help="an http(s) URL that receives a POST with a JSON body when the rule fires and when it resolves">
          <input name="webhookUrl" type="url" value={url} onChange={(e) => setUrl(e.target.value)} required placeholder="https://hooks.slack.com/services/…" style={input} />
        </Field>
        <Field label="Payload" help="Slack: {text, blocks}">
          <select name="format" value={format} onChange={(e) => setFormat(e.target.value as 'json' | 'slack')} style={input}>
            <option value="json">JSON</option>
            <option value="slack">Slack-compatible</option>
          </select>
        </Field>
      </div>
      <label style={{ display: 'inline-flex', gap: 6, alignItems: 'center' }}>
        <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled <span className="help">(a disabled rule is kept but not evaluated)</span>
      </label>
      {error ? (
        <div className="notice-error" role="alert" data-testid="alert-form-error">
          {error}
        </div>
      ) : null}
      <div style={{ display: 'flex', gap: 8 }}>
        <button type="submit" className="btn" disabled={saving} data-testid="alert-save">
          {editing ? 'Save changes' : 'Create rule'}
        </button>
        <button type="button" className="btn secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

const input: React.CSSProperties = { font: 'inherit', padding: '5px 8px', border: '1px solid var(--border-strong)', borderRadius: 6, width: '100%', boxSizing: 'border-box' };

function Field({ label, help, group, children }: { label: string; help: string; group?: boolean; children: ReactNode }) {
  const Tag = group ? 'div' : 'label';
  return (
    <Tag style={{ display: 'grid', gap: 3 }} {...(group ? { role: 'group', 'aria-label': label } : {})}>
      <span style={{ fontWeight: 600, fontSize: 13 }}>{label}</span>
      {children}
      <span className="help" style={{ fontSize: 12 }}>
        {help}
      </span>
    </Tag>
  );
}
