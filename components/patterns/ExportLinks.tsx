// Download the observed flow map as Mermaid source or an AsyncAPI 3 document (GET /api/export/*,
// same range and environment as the page).
import type { EnvFilter } from '@/lib/hops/env';
import type { TimeParams } from '@/lib/ui/url';

export function exportHref(kind: 'mermaid' | 'asyncapi', time: TimeParams, env: EnvFilter): string {
  const q = new URLSearchParams({ from: time.from, ...(time.to !== 'now' ? { to: time.to } : {}) });
  if (env.env !== undefined) q.set('env', env.env);
  if (env.namespace !== undefined) q.set('namespace', env.namespace);
  return `/api/export/${kind}?${q}`;
}

export function ExportLinks({ time, env }: { time: TimeParams; env: EnvFilter }) {
  return (
    <span className="toolbar" data-testid="export-links">
      <span className="control-label">Download</span>
      <span className="segmented" role="group" aria-label="Download the flow map">
        <a href={exportHref('mermaid', time, env)} download title="the flow map as Mermaid flowchart source (paste it into docs, GitHub renders it)" data-testid="export-mermaid">
          Mermaid
        </a>
        <a href={exportHref('asyncapi', time, env)} download title="the observed channels and operations as an AsyncAPI 3.0 document (JSON)" data-testid="export-asyncapi">
          AsyncAPI
        </a>
      </span>
    </span>
  );
}
