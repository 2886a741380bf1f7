// Alerts: the rules with their state per instance (ok / pending / firing), a form to create,
// edit and delete a rule, and the recent firing/resolved history. Reads the typed core of
// GET /api/alerts directly; the form writes through the JSON API.
import { connection } from 'next/server';
import { getAlerts, type AlertsResult } from '@/lib/api/alerts';
import { getStore } from '@/lib/runtime';
import { PageHeader } from '@/components/common/PageHeader';
import { ErrorNotice } from '@/components/common/States';
import { AlertsManager } from '@/components/alerts/AlertsManager';

async function loadAlerts(): Promise<{ ok: true; data: AlertsResult } | { ok: false; error: string }> {
  await connection();
  try {
    return { ok: true, data: await getAlerts({ store: await getStore() }) };
  } catch (err) {
    console.error('[ui] alerts failed:', err);
    return { ok: false, error: 'the alert rules could not be read; see the server log' };
  }
}

export default async function AlertsPage() {
  const r = await loadAlerts();
  return (
    <>
      <PageHeader
        title="Alerts"
        help={
          <>
            Rules that watch your consumer groups, destinations and services and call a webhook when something is wrong.
            Every few seconds each rule is evaluated against the same numbers the flow map and the lag page show: a rule
            is <b>pending</b> while its condition holds but not yet for its duration, <b>firing</b> once it held that
            long (one message to the webhook), and back to <b>ok</b> when it clears (one “resolved” message). Firing rules
            mark their edge on the flow map.
          </>
        }
      />
      {r.ok ? <AlertsManager initial={r.data} /> : <ErrorNotice error={r.error} />}
    </>
  );
}
